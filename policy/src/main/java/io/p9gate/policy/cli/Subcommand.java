package io.p9gate.policy.cli;

import io.p9gate.audit.cli.CliMessages;
import io.p9gate.audit.note.FileReason;
import java.nio.file.Path;
import java.util.Optional;
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

    /**
     * Says why a file named on the command line is no file to read (not there, a directory, a FIFO): bad input, exit
     * {@link #USAGE} as in every command. It was 1 here, which says the policy is invalid, and 2 in {@code replay}.
     */
    boolean refusedAsNoFile(Path file) {
        Optional<String> why = FileReason.notARegularFile(file);
        why.ifPresent(this::error);
        return why.isPresent();
    }

    /** One error line; {@code message} may start with the {@code FILE:LINE:COL} it is about. */
    void error(String message) {
        CliMessages.printError(spec, message);
    }
}
