package io.p9gate.audit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code audit export --output FILE}: the file appears under its name only once the export is complete. Before, the
 * only way was {@code > FILE}, which an interrupted export left holding whole records up to where it stopped.
 */
class ExportOutputFileTest {
    @TempDir
    static Path tmp;

    static ReviewedLog reviewed;

    @BeforeAll
    static void writeLog() throws Exception {
        reviewed = ReviewedLog.withDecisions(tmp, 200);
    }

    /** Stderr that holds the export at its first progress line until released. */
    private static final class HeldProgress extends Writer {
        final CountDownLatch drawing = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final StringWriter text = new StringWriter();

        @Override
        public void write(char[] c, int off, int len) {
            String s = new String(c, off, len);
            text.write(s);
            if (s.contains("exporting: ") && drawing.getCount() > 0) {
                drawing.countDown();
                try {
                    release.await(60, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
    }

    @Test
    void theFileAppearsOnlyOnceTheExportIsComplete() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("exports"));
        Path file = dir.resolve("may.jsonl");
        Files.writeString(file, "last month's export\n");
        HeldProgress err = new HeldProgress();
        StringWriter out = new StringWriter();
        int[] exit = {-1};
        Thread export = Thread.ofPlatform().start(() -> {
            CommandLine cl = AuditCommand.commandLine(new AuditCommand());
            cl.setOut(new PrintWriter(out, true));
            cl.setErr(new PrintWriter(err, true));
            exit[0] = cl.execute(
                    "export",
                    "--log",
                    reviewed.log().toString(),
                    "--format",
                    "jsonl",
                    "--output",
                    file.toString(),
                    "--progress");
        });
        boolean drawn = err.drawing.await(20, TimeUnit.SECONDS);
        String midway = Files.readString(file);
        err.release.countDown();
        export.join();
        assertTrue(drawn, "the export ran with its progress line: " + err.text);
        assertEquals("last month's export\n", midway, "mid-export, the name still holds the old file, whole");
        assertEquals(0, exit[0], err.text.toString());
        assertEquals("", out.toString(), "standard output is not the output");
        CliRun toStdout = CliRun.audit("export", "--log", reviewed.log().toString(), "--format", "jsonl");
        assertEquals(toStdout.out(), Files.readString(file, StandardCharsets.US_ASCII));
        try (Stream<Path> left = Files.list(dir)) {
            assertEquals(List.of(file), left.toList(), "no partial file is left beside it");
        }
    }

    /** An export written among the segments it reads (or onto one) is refused: --output outside the log directory. */
    @Test
    void theOutputMayNotStandAmongTheSegments() throws Exception {
        Path inLog = reviewed.log().resolve("export.jsonl");
        CliRun r = CliRun.audit(
                "export", "--log", reviewed.log().toString(), "--format", "jsonl", "--output", inLog.toString());
        assertEquals(2, r.exit(), r.err());
        assertTrue(r.oneLineError(), r.err());
        assertTrue(r.err().contains("outside the log directory"), r.err());
        assertTrue(Files.notExists(inLog));
    }
}
