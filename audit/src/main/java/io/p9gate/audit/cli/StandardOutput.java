package io.p9gate.audit.cli;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.Charset;
import picocli.CommandLine;

/**
 * Standard output for a p9gate process, written so that a reader going away is seen. {@code System.out} swallows
 * the EPIPE of a closed pipe, so {@code p9gate audit show | head -1} would read a 1M-record log to its end; a
 * writer straight on file descriptor 1 records the failure, and {@code checkError()} lets a command stop.
 */
public final class StandardOutput {
    private StandardOutput() {}

    /** Runs a process's command line with this standard output, and flushes what is left of it; the exit code. */
    public static int execute(CommandLine commandLine, String... args) {
        commandLine.setOut(writer());
        int exit = commandLine.execute(args);
        commandLine.getOut().flush();
        return exit;
    }

    /** Flushes at every line (as {@code System.out} does), so a follower or a pipe sees each line at once. */
    public static PrintWriter writer() {
        String encoding = System.getProperty("stdout.encoding");
        Charset charset = encoding != null && Charset.isSupported(encoding)
                ? Charset.forName(encoding)
                : Charset.defaultCharset();
        return new PrintWriter(new OutputStreamWriter(new FileOutputStream(FileDescriptor.out), charset), true);
    }
}
