package io.p9gate.audit.cli;

import io.p9gate.audit.note.FileReason;
import io.p9gate.audit.read.PrintableText;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.FileSystemException;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;

/**
 * The one shape every p9gate command gives a problem it reports (docs/cli.md, "Conventions"): one line on stderr,
 * {@code p9gate <command>: error: <message>} (or {@code warning:}), where {@code <command>} is the full command
 * ({@code p9gate audit verify}), whether the command runs under {@code p9gate} or on its own. A message located in
 * a file carries {@code FILE:LINE:COL: } right after {@code error: }. Messages may quote file contents or names a
 * guest chose, so they are escaped ({@link PrintableText}): one line stays one line.
 */
public final class CliMessages {
    /** Exit code of a command line that cannot be run as given (picocli's, and every command's). */
    public static final int USAGE = 2;

    private CliMessages() {}

    /** {@code p9gate policy check}: the command as a user types it. */
    public static String commandName(CommandSpec spec) {
        String name = spec.qualifiedName();
        return name.equals("p9gate") || name.startsWith("p9gate ") ? name : "p9gate " + name;
    }

    /**
     * What went wrong with a file, with the reason: the JDK leaves it out of the messages of its typed exceptions
     * ({@code AccessDeniedException}'s is the file name alone), so a segment the tool may not read said only
     * {@code error: FILE}.
     */
    public static String ioProblem(IOException e) {
        if (!(e instanceof FileSystemException f) || f.getFile() == null) {
            return FileReason.of(e);
        }
        String reason = FileReason.of(f);
        return f.getFile() + (f.getOtherFile() == null ? "" : " -> " + f.getOtherFile()) + ": " + reason;
    }

    public static String error(CommandSpec spec, String message) {
        return commandName(spec) + ": error: " + PrintableText.escape(message);
    }

    public static String warning(CommandSpec spec, String message) {
        return commandName(spec) + ": warning: " + PrintableText.escape(message);
    }

    /** Prints one error line on the command's stderr. */
    public static void printError(CommandSpec spec, String message) {
        PrintWriter err = spec.commandLine().getErr();
        err.println(error(spec, message));
        err.flush();
    }

    /** A usage error: one line that says where to read more, and {@link #USAGE}. */
    public static int usageError(CommandSpec spec, String message) {
        printError(spec, message + " (see '" + commandName(spec) + " --help')");
        return USAGE;
    }

    /**
     * Bad command lines (unknown option, missing parameter, unparsable value) as one line instead of picocli's usage
     * screen, for every command line a p9gate command is run from. An unknown option next to {@code --help} or
     * under {@code help} is refused too: picocli lets it pass once help is asked for, so {@code p9gate help policy
     * check --x} printed the help and exited 0 while {@code p9gate policy check --x} is a usage error.
     */
    public static CommandLine oneLineErrors(CommandLine commandLine) {
        commandLine.setParameterExceptionHandler((e, args) -> usageError(
                e.getCommandLine().getCommandSpec(),
                withoutFinalPeriod(unknownFirst(e).getMessage())));
        CommandLine.IExecutionStrategy run = commandLine.getExecutionStrategy();
        commandLine.setExecutionStrategy(parsed -> {
            refuseUnmatched(parsed);
            return run.execute(parsed);
        });
        return commandLine;
    }

    /** The first command level with arguments it did not recognise, as picocli's own usage error for them. */
    private static void refuseUnmatched(CommandLine.ParseResult parsed) {
        for (CommandLine.ParseResult level = parsed; level != null; level = level.subcommand()) {
            if (!level.unmatched().isEmpty()) {
                throw new CommandLine.UnmatchedArgumentException(
                        level.commandSpec().commandLine(), level.unmatched());
            }
        }
    }

    /**
     * An unknown option rather than the required one missing: picocli checks the required options first, so {@code
     * certs --bogus} or a mistyped {@code certs --dri DIR} said "Missing required option: '--dir=DIR'", as if the
     * option given were fine.
     */
    private static CommandLine.ParameterException unknownFirst(CommandLine.ParameterException e) {
        List<String> unmatched = e.getCommandLine().getUnmatchedArguments();
        return e instanceof CommandLine.MissingParameterException && !unmatched.isEmpty()
                ? new CommandLine.UnmatchedArgumentException(e.getCommandLine(), unmatched)
                : e;
    }

    private static String withoutFinalPeriod(String message) {
        String m = message == null ? "bad command line" : message.strip();
        return m.endsWith(".") ? m.substring(0, m.length() - 1) : m;
    }
}
