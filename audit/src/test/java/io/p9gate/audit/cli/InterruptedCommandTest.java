package io.p9gate.audit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.audit.read.LogDirectory;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Ctrl-C during a long command. Before, the progress line stayed on the terminal (the shell's prompt was drawn after
 * it), and an export to standard output ({@code > may.jsonl}) stopped without a word, its file holding whole records
 * up to where it stopped: a file that looks complete. Shutdown hooks run only in a real JVM, so one is signalled.
 */
class InterruptedCommandTest {
    private static final String WIPE = "\r\033[K";

    /** Linux's default pipe capacity: the export must write more than this before the log ends. */
    private static final long PIPE_BYTES = 64 * 1024;

    @TempDir
    static Path tmp;

    static ReviewedLog reviewed;

    @BeforeAll
    static void writeLog() throws Exception {
        reviewed = ReviewedLog.withDecisions(tmp, 1500);
        long bytes = 0;
        for (Path s : LogDirectory.segments(reviewed.log())) {
            bytes += Files.size(s);
        }
        assertTrue(bytes > 4 * PIPE_BYTES, "the export outlasts the pipe: " + bytes + " bytes");
    }

    @Test
    @Timeout(120)
    void ctrlCDuringAnExportWipesTheProgressLineAndSaysTheOutputIsIncomplete() throws Exception {
        Process export = new ProcessBuilder(List.of(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "--enable-native-access=ALL-UNNAMED", // as ./p9gate starts it: the readers call fstatfs (FFM)
                        "-XX:+UseSerialGC",
                        "-cp",
                        System.getProperty("java.class.path"),
                        "io.p9gate.audit.cli.AuditCommand",
                        "export",
                        "--log",
                        reviewed.log().toString(),
                        "--format",
                        "jsonl",
                        "--progress"))
                .start();
        // Standard output is not read: the export blocks mid-log once the pipe is full, its progress line drawn.
        String drawn = readUntil(export.getErrorStream(), "exporting: ");
        String signal = interruptSignal(export.pid());
        assertEquals(
                0,
                new ProcessBuilder("kill", "-" + signal, Long.toString(export.pid()))
                        .start()
                        .waitFor());
        String rest = new String(export.getErrorStream().readAllBytes(), StandardCharsets.US_ASCII);
        assertTrue(export.waitFor(60, TimeUnit.SECONDS), "the export ends on SIG" + signal);
        export.getInputStream().close();
        String err = drawn + rest;

        assertEquals(signal.equals("INT") ? 130 : 143, export.exitValue(), err);
        int lastLine = err.lastIndexOf("exporting: ");
        assertTrue(err.indexOf(WIPE, lastLine) > 0, "the progress line is wiped: " + visible(err));
        String after = err.substring(err.lastIndexOf(WIPE) + WIPE.length());
        assertFalse(after.contains("exporting: "), visible(err));
        assertTrue(
                after.matches("p9gate audit export: warning: interrupted at \\d+% of the log \\(\\d+ records read\\):"
                        + " the output is incomplete\n"),
                "one line says the output is incomplete: " + visible(err));
    }

    /**
     * SIGINT, as Ctrl-C sends, unless the process ignores it (started in the background by a shell without job
     * control: the JVM then leaves it ignored); SIGTERM runs the same shutdown then.
     */
    private static String interruptSignal(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith("SigIgn:")) {
                long ignored = Long.parseUnsignedLong(
                        line.substring("SigIgn:".length()).strip(), 16);
                return (ignored & (1L << (2 - 1))) == 0 ? "INT" : "TERM";
            }
        }
        return "TERM";
    }

    /** What the stream gave up to and including the first {@code marker}. */
    private static String readUntil(InputStream in, String marker) throws IOException {
        ByteArrayOutputStream read = new ByteArrayOutputStream();
        for (int b = in.read(); b >= 0; b = in.read()) {
            read.write(b);
            if (read.toString(StandardCharsets.US_ASCII).endsWith(marker)) {
                return read.toString(StandardCharsets.US_ASCII);
            }
        }
        throw new AssertionError("the stream ended before " + marker + ": " + read);
    }

    private static String visible(String s) {
        return s.replace("\r", "\\r").replace("\033", "\\e").replace("\n", "\\n");
    }
}
