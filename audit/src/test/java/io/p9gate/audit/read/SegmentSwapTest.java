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
    /**
     * Where data follows a run of zeros is asked of the file being read, not of its name: a sparse file renamed over
     * a segment while it was read (one hole to its end) made the reader take the rest of the opened segment, after
     * its first MiB of zeros, for zeros not yet written, and stop: the line after them was never read.
     */
    @Test
    void theHolesOfTheFileReadAreNotTakenFromTheFileNowAtItsName() throws Exception {
        Path segment = LogDirectory.segmentFile(dir, 0);
        int zeros = 2 << 20;
        byte[] bytes = new byte[2 + zeros + 2];
        bytes[0] = 'a';
        bytes[1] = '\n';
        bytes[bytes.length - 2] = 'y';
        bytes[bytes.length - 1] = '\n';
        Files.write(segment, bytes);
        Path sparse = dir.resolve("sparse");
        try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(sparse.toFile(), "rw")) {
            f.setLength(4L << 20); // a hole to the end
        }
        List<StoredLine> lines = new ArrayList<>();
        SegmentReader.forEachLine(List.of(segment), line -> {
            if (lines.isEmpty()) {
                try {
                    Files.move(sparse, segment, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }
            lines.add(line);
        });
        assertEquals(2, lines.size(), "the line after the zeros was read");
        assertEquals(zeros + 1, lines.get(1).length());
    }
}
