package io.p9gate.policy.cli;

import io.p9gate.audit.cli.CliMessages;
import java.util.concurrent.Callable;
import picocli.CommandLine;

/**
 * What the policy subcommands share: their problems are reported in the one p9gate style ({@link CliMessages}):
 * {@code p9gate policy check: error: FILE:LINE:COL: why}, usage errors with exit code 2.
 */
abstract class Subcommand implements Callable<Integer> {

    static final int USAGE = CliMessages.USAGE;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public final Integer call() {
        int code = run(spec.commandLine());
        spec.commandLine().getOut().flush();
        return code;
    }

    abstract int run(CommandLine cmd);

    int usageError(String message) {
        return CliMessages.usageError(spec, message);
    }

    /** One error line; {@code message} may start with the {@code FILE:LINE:COL} it is about. */
    void error(String message) {
        CliMessages.printError(spec, message);
    }
}
