package io.p9gate.audit.cli;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.Charset;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;

/**
 * Standard output for a p9gate process, written so that a reader going away is seen. {@code System.out} swallows
 * the EPIPE of a closed pipe, so {@code p9gate audit show | head -1} would read a 1M-record log to its end; a
 * writer straight on file descriptor 1 records the failure, and {@code checkError()} lets a command stop. Any other
 * write failure (ENOSPC) fails the command, which otherwise exited 0 with its output lost. Which one it was is
 * told by the errno ({@link DescriptorOutput}), not by the message, which the locale translates.
 */
public final class StandardOutput {
    /**
     * The JDK's message for EPIPE in the C and English locales: used only when native calls are refused and
     * standard output falls back to {@code FileOutputStream}, whose exceptions carry no errno.
     */
    private static final String BROKEN_PIPE = "Broken pipe";

    private StandardOutput() {}

    /** Runs a process's command line with this standard output, and flushes what is left of it; the exit code. */
    public static int execute(CommandLine commandLine, String... args) {
        OutOfMemory.onOtherThreads(CliMessages.commandName(commandLine.getCommandSpec()));
        return execute(commandLine, descriptorOne(), args);
    }

    /**
     * As {@link #execute(CommandLine, String...)} on {@code stdout}. Output that could not be written (a full disk
     * under {@code > export.jsonl}) is lost output, so the command fails with one line saying why; a reader that
     * went away ({@code | head -1}, EPIPE) took what it wanted, and is none.
     */
    static int execute(CommandLine commandLine, OutputStream stdout, String... args) {
        WriteFailure out = new WriteFailure(stdout);
        commandLine.setOut(writer(out));
        int exit;
        try {
            exit = commandLine.execute(args);
        } catch (OutOfMemoryError e) {
            commandLine.getOut().flush();
            return OutOfMemory.report(ranCommand(commandLine), e);
        } catch (ExceptionInInitializerError e) {
            // A class taking its kernel values from HostAbi refused this architecture as it loaded: an Error,
            // which picocli's exception handler never sees. One line, as serve's own early refusal.
            if (!(e.getCause() instanceof UnsupportedOperationException refused)) {
                throw e;
            }
            commandLine.getOut().flush();
            CliMessages.printError(ranCommand(commandLine), refused.getMessage());
            return 1;
        }
        commandLine.getOut().flush();
        IOException failure = out.failure();
        if (failure == null || readerGone(failure)) {
            return exit;
        }
        CliMessages.printError(ranCommand(commandLine), "cannot write standard output: " + failure.getMessage());
        return exit == 0 ? 1 : exit;
    }

    /** EPIPE: whoever read the output (a pipe's reader, {@code head}) has what it wanted and went away. */
    private static boolean readerGone(IOException failure) {
        return failure instanceof WriteErrno e
                ? e.errno() == WriteErrno.EPIPE
                : BROKEN_PIPE.equals(failure.getMessage());
    }

    /**
     * File descriptor 1 through write(2); through the JDK when native access is not enabled (the launchers enable
     * it): a restricted call would print the JVM's warning on stderr first, or be refused.
     */
    private static OutputStream descriptorOne() {
        if (!StandardOutput.class.getModule().isNativeAccessEnabled()) {
            return new FileOutputStream(FileDescriptor.out);
        }
        try {
            return new DescriptorOutput(1);
        } catch (LinkageError | IllegalCallerException e) {
            return new FileOutputStream(FileDescriptor.out);
        }
    }

    /** The (sub)command the arguments named, for the error line. */
    private static CommandSpec ranCommand(CommandLine commandLine) {
        CommandLine.ParseResult parsed = commandLine.getParseResult();
        if (parsed == null) {
            return commandLine.getCommandSpec();
        }
        while (parsed.hasSubcommand()) {
            parsed = parsed.subcommand();
        }
        return parsed.commandSpec();
    }

    /** Flushes at every line (as {@code System.out} does), so a follower or a pipe sees each line at once. */
    public static PrintWriter writer() {
        return writer(descriptorOne());
    }

    private static PrintWriter writer(OutputStream stdout) {
        String encoding = System.getProperty("stdout.encoding");
        Charset charset = encoding != null && Charset.isSupported(encoding)
                ? Charset.forName(encoding)
                : Charset.defaultCharset();
        return new PrintWriter(new OutputStreamWriter(stdout, charset), true);
    }
}
