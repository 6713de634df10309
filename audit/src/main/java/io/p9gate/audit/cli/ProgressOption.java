package io.p9gate.audit.cli;

import java.io.Console;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * The {@code --progress} option of the commands that read a whole log ({@code verify}, {@code export}, {@code report},
 * {@code prove}, {@code stats}, and {@code policy replay} and {@code package}, which mix it in from here): a progress line on stderr when stderr is a terminal or when asked for, so that neither a pipe nor
 * a log file collects redrawn lines, and stdout (the output) is never touched.
 */
public final class ProgressOption {
    @Option(
            names = "--progress",
            description = "Show progress and the time left on stderr even when it is no terminal.")
    boolean progress;

    /** A meter drawing on {@code err}, or drawing nothing when no progress is to be shown. */
    public ProgressMeter meter(String doing, PrintWriter err) {
        return shown() ? new ProgressMeter(doing, err, System::nanoTime) : ProgressMeter.hidden();
    }

    /** Whether progress is to be shown: asked for, or stderr is a terminal (for commands that print steps). */
    public boolean shown() {
        return progress || stderrIsTerminal();
    }

    /**
     * Whether file descriptor 2 is a terminal. {@link Console#isTerminal} speaks of stdin and stdout, which an
     * export redirects to a file while its user watches stderr; Linux names the descriptor's target in /proc.
     */
    private static boolean stderrIsTerminal() {
        try {
            String target = Files.readSymbolicLink(Path.of("/proc/self/fd/2")).toString();
            return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty") || target.equals("/dev/console");
        } catch (IOException | UnsupportedOperationException e) {
            Console console = System.console();
            return console != null && console.isTerminal();
        }
    }
}
