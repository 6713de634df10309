package io.p9gate.audit.read;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A segment replaced by something else between its listing (and any look at its name) and its opening: what is
 * read must be what was checked. A FIFO renamed over a segment in that window held {@code verify}, {@code show}
 * and the gateway's start in open(2) for ever, though the segment had been checked to be a regular file.
 */
class SegmentSwapTest {
    @TempDir
    Path dir;

    @AfterEach
    void noSeam() {
        SegmentReader.beforeOpen = segment -> {};
    }

    /** mkfifo(1): Java makes no FIFO. */
    private static void mkfifo(Path at) throws Exception {
        assertEquals(0, new ProcessBuilder("mkfifo", at.toString()).start().waitFor());
    }

    /** Opens the FIFO read-write for a moment (never blocks on Linux): a reader held in open(2) goes on. */
    private static void releaseReaders(Path fifo) throws Exception {
        new ProcessBuilder("sh", "-c", ": <> \"$0\"", fifo.toString()).start().waitFor();
    }

    @Test
    void aFifoRenamedOverASegmentAfterItsCheckIsRefusedNotWaitedOn() throws Exception {
        Path segment = LogDirectory.segmentFile(dir, 0);
        Files.writeString(segment, "{\"seq\":0}\n");
        Path fifo = dir.resolve("fifo");
        mkfifo(fifo);
        List<Path> opened = new ArrayList<>();
        SegmentReader.beforeOpen = s -> {
            opened.add(s);
            try {
                Files.move(fifo, s, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        };
        try {
            IOException e = assertThrows(
                    IOException.class,
                    () -> assertTimeoutPreemptively(
                            Duration.ofSeconds(20), () -> SegmentReader.forEachLine(List.of(segment), line -> {})));
            assertTrue(e.getMessage().contains(segment.getFileName() + " is not a regular file"), e.getMessage());
            assertEquals(List.of(segment), opened, "the seam ran where the segment is opened");
        } finally {
            releaseReaders(segment);
        }
    }

    /** What the check saw is what is read: a regular file renamed over the segment is read whole, from its start. */
    @Test
    void aRegularFileRenamedOverASegmentIsReadAsOpened() throws Exception {
        Path segment = LogDirectory.segmentFile(dir, 0);
        Files.writeString(segment, "old\n");
        Path other = dir.resolve("other");
        Files.writeString(other, "new one\nand two\n");
        SegmentReader.beforeOpen = s -> {
            try {
                Files.move(other, s, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        };
        List<String> lines = new ArrayList<>();
        SegmentReader.forEachLine(List.of(segment), l -> lines.add(new String(l.bytes(), StandardCharsets.UTF_8)));
        assertEquals(List.of("new one", "and two"), lines);
    }
}
