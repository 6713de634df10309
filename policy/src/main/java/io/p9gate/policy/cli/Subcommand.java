package io.p9gate.policy.cli;

import picocli.CommandLine;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * What the policy subcommands share: they validate their own arguments so that bad input gives one
 * line and exit code 2 instead of picocli's full usage dump, however the command line is built.
 */
abstract class Subcommand implements Callable<Integer> {

    static final int USAGE = 2;

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @CommandLine.Unmatched List<String> unmatched = new ArrayList<>();

    @CommandLine.Parameters(paramLabel = "FILE", arity = "0..1", description = "the YAML file") Path file;

    @Override public final Integer call() {
        if (!unmatched.isEmpty()) return usageError("unexpected argument " + unmatched.getFirst());
        if (file == null) return usageError("name the FILE");
        return run(spec.commandLine());
    }

    abstract int run(CommandLine cmd);

    int usageError(String message) {
        spec.commandLine().getErr().println("error: " + message + " (see 'policy " + spec.name() + " --help')");
        return USAGE;
    }
}
