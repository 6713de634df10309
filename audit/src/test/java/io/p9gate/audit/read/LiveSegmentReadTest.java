package io.p9gate.audit.read;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.audit.AuditLog;
import io.p9gate.audit.AuditWriteException;
import io.p9gate.audit.Durability;
import io.p9gate.audit.TestLogs;
import io.p9gate.audit.note.SigningKey;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reading the current segment while the writer appends to it (the compliance suite's audit checks, {@code audit
 * verify} or {@code tail} on a running gateway). The reader reads the segment a chunk at a time, up to the size it
 * had once opened, zeros ahead included: a chunk read before the writer got there holds zeros, and the next chunk,
 * read after, holds the records written meanwhile. Taken as stored, those zeros and the rest of a record read as one
 * line (Jackson then took it for UTF-32: "Invalid UTF-32 character" in a compliance run), and the records written
 * over them were never delivered.
 */
class LiveSegmentReadTest {
    @TempDir
    Path dir;

    private final SigningKey key = TestLogs.key("test-key");

    @Test
    void recordsWrittenOverZerosAlreadyReadAreReadAsRecords() throws Exception {
        try (AuditLog log = AuditLog.open(dir, key, TestLogs.options().withCheckpointRecords(100_000))) {
            for (int i = 0; i < 20; i++) {
                log.append(TestLogs.decision(i), Durability.WRITTEN);
            }
            List<StoredLine> lines = new ArrayList<>();
            SegmentReader.forEachLine(dir, line -> {
                if (lines.isEmpty()) {
                    // The reader holds the segment's first chunk (its records, then zeros): the writer goes on
                    // past the chunk's end.
                    appendMany(log, 600);
                }
                lines.add(line);
            });
            assertTrue(lines.size() > 40, "the reader went on into the records written meanwhile: " + lines.size());
            long seq = 0;
            for (StoredLine line : lines) {
                assertTrue(line.terminated(), "no torn line at " + line.offset());
                for (byte b : line.bytes()) {
                    assertTrue(b != 0, "a line of zeros not yet written when read, at offset " + line.offset());
                }
                LineHeader header = LineHeader.parse(line.bytes())
                        .orElseThrow(() -> new AssertionError("not a record at offset " + line.offset()));
                assertEquals(seq++, header.seq(), "records in order, none missed");
            }
        }
    }

    /**
     * Zeros stored between records (a doctored segment, a power loss) are still stored bytes where they and the record
     * after them come from two reads: read again, they are zeros again, and the reader goes on with them.
     */
    @Test
    void storedZerosAcrossReadsStayStoredBytes() throws Exception {
        Path segment = segmentOfThreeRecords();
        byte[] stored = Files.readAllBytes(segment);
        int first = indexOf(stored, (byte) '\n') + 1;
        int zeros = 100_000; // past the first read's 64 KiB
        byte[] doctored = new byte[stored.length + zeros];
        System.arraycopy(stored, 0, doctored, 0, first);
        System.arraycopy(stored, first, doctored, first + zeros, stored.length - first);
        Files.write(segment, doctored);

        List<StoredLine> lines = new ArrayList<>();
        SegmentReader.forEachLine(dir, lines::add);
        long newlines = 0;
        for (byte b : stored) {
            newlines += b == '\n' ? 1 : 0;
        }
        assertEquals(newlines, lines.size(), "every line read, none twice");
        StoredLine second = lines.get(1);
        assertEquals(first, second.offset());
        assertEquals(zeros, leadingZeros(second.bytes()), "the zeros, stored, begin the line after the first");
    }

    /**
     * A read(2) copies a page without the writer's lock: a write into that page while it is copied can reach the
     * copy's later bytes and not its earlier ones, so one read can bring zeros the writer has since written over
     * followed by the rest of the record it wrote (a "torn" page). The reader took zeros and data of one read and
     * one page for stored bytes, delivered a line of zeros glued to the record's rest, and lost the record. Shown
     * here by storing such a page, then, once the reader holds it, the bytes the writer had written.
     */
    @Test
    void aPageTornByTheWriterIsReadAgain() throws Exception {
        Path segment = segmentOfThreeRecords();
        byte[] written = Files.readAllBytes(segment);
        int first = indexOf(written, (byte) '\n') + 1;
        int torn = 40; // the second record's first bytes, not yet in the copy
        assertTrue(first + torn < 4096, "the first record and the torn bytes in one page");
        byte[] copied = written.clone();
        Arrays.fill(copied, first, first + torn, (byte) 0);
        Files.write(segment, copied);

        List<StoredLine> lines = new ArrayList<>();
        SegmentReader.forEachLine(dir, line -> {
            if (lines.isEmpty()) {
                writeQuietly(segment, written); // the writer's bytes, there by the time the reader looks again
            }
            lines.add(line);
        });
        long seq = 0;
        for (StoredLine line : lines) {
            LineHeader header = LineHeader.parse(line.bytes())
                    .orElseThrow(() -> new AssertionError("not a record at offset " + line.offset()));
            assertEquals(seq++, header.seq(), "records in order, none missed");
        }
        long records = 0;
        for (byte b : written) {
            records += b == '\n' ? 1 : 0;
        }
        assertEquals(records, seq, "every record read once");
    }

    private static void writeQuietly(Path file, byte[] bytes) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(bytes), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A closed log of three decisions: its one segment. */
    private Path segmentOfThreeRecords() throws Exception {
        try (AuditLog log = AuditLog.open(dir, key, TestLogs.options().withCheckpointRecords(100_000))) {
            for (int i = 0; i < 3; i++) {
                log.append(TestLogs.decision(i), Durability.WRITTEN);
            }
        }
        return LogDirectory.segments(dir).getFirst();
    }

    private static int indexOf(byte[] bytes, byte b) {
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] == b) {
                return i;
            }
        }
        return -1;
    }

    private static int leadingZeros(byte[] bytes) {
        int n = 0;
        while (n < bytes.length && bytes[n] == 0) {
            n++;
        }
        return n;
    }

    private static void appendMany(AuditLog log, int records) {
        try {
            for (int i = 0; i < records; i++) {
                log.append(TestLogs.decision(100 + i), Durability.WRITTEN);
            }
        } catch (AuditWriteException e) {
            throw new UncheckedIOException(new IOException(e));
        }
    }
}
