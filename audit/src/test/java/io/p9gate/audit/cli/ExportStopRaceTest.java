package io.p9gate.audit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.Writer;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * A stop (Ctrl-C, SIGTERM) that comes while an export to standard output finishes. Before, a stop that arrived after
 * the last line was written but before the command returned said "the output is incomplete" of a whole export. The
 * stop is started from inside the output's write, at an exact line, the way the JVM's shutdown hook starts it.
 */
class ExportStopRaceTest {
    @TempDir
    static Path tmp;

    static ReviewedLog reviewed;
    static String whole;

    @BeforeAll
    static void writeLog() throws Exception {
        reviewed = ReviewedLog.withDecisions(tmp, 40);
        CliRun all = CliRun.audit("export", "--log", reviewed.log().toString(), "--format", "jsonl");
        assertEquals(0, all.exit(), all.err());
        whole = all.out();
    }

    /** Standard output that starts the stop's cleanups once it holds {@code lines} lines. */
    private static final class StopAtLine extends Writer {
        final StringWriter text = new StringWriter();
        final long lines;
        Thread stop;

        StopAtLine(long lines) {
            this.lines = lines;
        }

        @Override
        public void write(char[] c, int off, int len) {
            text.write(c, off, len);
            if (stop == null
                    && text.toString().lines().count() == lines
                    && text.toString().endsWith("\n")) {
                stop = Interruption.startCleanups();
                // Until the stop has asked and waits for the export's word (or has ended, judging at once): the
                // export then goes on with the stop's request already made, whichever thread the scheduler favours.
                while (stop.getState() != Thread.State.TIMED_WAITING && stop.getState() != Thread.State.TERMINATED) {
                    Thread.onSpinWait();
                }
            }
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
    }

    private static String exportStoppedAt(StopAtLine out) throws InterruptedException {
        StringWriter err = new StringWriter();
        CommandLine cl = AuditCommand.commandLine(new AuditCommand());
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        cl.execute("export", "--log", reviewed.log().toString(), "--format", "jsonl");
        assertNotNull(out.stop, "the stop was started");
        out.stop.join(10_000);
        assertFalse(out.stop.isAlive(), "the stop's cleanups ended");
        return err.toString();
    }

    @Test
    void aStopAfterTheLastLineSaysNothingOfAWholeExport() throws Exception {
        StopAtLine out = new StopAtLine(whole.lines().count());
        String err = exportStoppedAt(out);

        assertEquals(whole, out.text.toString());
        assertFalse(err.contains("incomplete"), "a whole export is not called incomplete: " + err);
    }

    @Test
    void aStopMidwayStillSaysTheOutputIsIncompleteAndWritesNoMore() throws Exception {
        long half = whole.lines().count() / 2;
        StopAtLine out = new StopAtLine(half);
        String err = exportStoppedAt(out);

        assertTrue(
                err.matches("p9gate audit export: warning: interrupted at \\d+% of the log \\(\\d+ records read\\):"
                        + " the output is incomplete\n"),
                err);
        assertEquals(half, out.text.toString().lines().count(), "the export writes no line after the stop");
    }
}
