package io.p9gate.audit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.p9gate.audit.read.LogDirectory;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13: {@code p9gate audit show | head -1} on a 1M-record log must return at once, not after reading the
 * whole log (36 s before). The command must stream and stop when its output is closed, as a pipe is when
 * {@code head} exits. Whether it stopped is seen without a clock: the log ends with a line that is not a record,
 * which a command reading to the end reports on stderr (as {@code AuditCliTest} and {@code HostileTextOutputTest}
 * show; not repeated here, since reading all 1M records is the 40 s this test exists to avoid).
 */
class ClosedOutputTest {
    private static final int RECORDS = 1_000_000;

    @TempDir
    static Path tmp;

    /** Written once for the class: only the stored lines, as fast as they can be written (show does not verify). */
    @BeforeAll
    static void writeOneMillionRecords() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("log"));
        try (BufferedWriter w = Files.newBufferedWriter(LogDirectory.segmentFile(dir, 1), StandardCharsets.US_ASCII)) {
            for (int seq = 1; seq <= RECORDS; seq++) {
                w.write("{\"seq\":" + seq + ",\"time\":\"2026-11-25T11:56:21.019779Z\",\"type\":\"decision\","
                        + "\"vm\":\"infotainment\",\"session\":3,\"op\":\"walk\",\"path\":\"/media/track-" + seq
                        + ".flac\",\"decision\":\"allow\",\"rules\":[\"media-read\"],\"errno\":0}\n");
            }
            w.write("the last line, not a record\n");
        }
    }

    private static CliRun intoClosingPipe(String... args) {
        StringWriter err = new StringWriter();
        var cl = AuditCommand.commandLine(new AuditCommand());
        cl.setOut(new PrintWriter(new HeadOne(), true));
        cl.setErr(new PrintWriter(err, true));
        int exit = cl.execute(args);
        return new CliRun(exit, "", err.toString());
    }

    @Test
    void showStopsWhenItsOutputIsClosed() {
        CliRun r = intoClosingPipe("show", "--log", tmp.resolve("log").toString());
        assertEquals(0, r.exit(), r.err());
        assertEquals("", r.err(), "read on to the end of the log after its reader went away");
    }

    @Test
    void exportStopsWhenItsOutputIsClosed() {
        CliRun r = intoClosingPipe("export", "--log", tmp.resolve("log").toString(), "--format", "jsonl");
        assertEquals(0, r.exit(), r.err());
        assertEquals("", r.err(), "read on to the end of the log after its reader went away");
    }

    /** Like {@code head -1}: takes the first line, then is gone (EPIPE on every later write). */
    private static final class HeadOne extends OutputStream {
        private boolean closed;

        @Override
        public void write(int b) throws IOException {
            if (closed) {
                throw new IOException("Broken pipe");
            }
            if (b == '\n') {
                closed = true;
            }
        }
    }
}
