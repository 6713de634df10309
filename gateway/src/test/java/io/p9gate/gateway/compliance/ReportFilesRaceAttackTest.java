package io.p9gate.gateway.compliance;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --report DIR} may be a directory others can write, and the suite usually runs as root. The reports were
 * written by creating a temporary file, then opening it again by name to write: another user who swapped that name
 * for a symlink in between had root write the report through it into any file. Now the file is written through
 * the one open that created it ({@code RunFile}), so a swapped name is never followed.
 */
class ReportFilesRaceAttackTest {
    @TempDir
    Path tmp;

    @Test
    void aTemporaryFileSwappedForASymlinkIsNotWrittenThrough() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("shared"));
        Path victim = Files.writeString(tmp.resolve("victim"), "keep me");
        AtomicBoolean writing = new AtomicBoolean(true);
        Thread attacker = Thread.ofPlatform().start(() -> {
            while (writing.get()) {
                swapTemporaryFiles(dir, victim);
            }
        });
        try {
            for (int run = 0; run < 150 && Files.readString(victim).equals("keep me"); run++) {
                try {
                    ReportFiles.write(HtmlReportBrowserTest.report(), dir);
                } catch (IOException refused) {
                    // A swapped file may make a write fail; what matters is where it wrote.
                }
            }
        } finally {
            writing.set(false);
            attacker.join();
        }
        assertEquals("keep me", Files.readString(victim), "the report was written through the planted symlink");
    }

    private static final List<String> REPORTS = List.of(ReportFiles.JUNIT, ReportFiles.JSON, ReportFiles.HTML);

    /** Replaces every file in {@code dir} but the reports (the writer's temporary ones) by a symlink to {@code victim}. */
    private static void swapTemporaryFiles(Path dir, Path victim) {
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path entry : entries) {
                if (!REPORTS.contains(entry.getFileName().toString()) && !Files.isSymbolicLink(entry)) {
                    Files.deleteIfExists(entry);
                    Files.createSymbolicLink(entry, victim);
                }
            }
        } catch (IOException | RuntimeException raced) {
            // The writer renamed or removed it first: try the next one.
        }
    }
}
