package io.p9gate.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.audit.note.SigningKey;
import io.p9gate.audit.read.LogDirectory;
import io.p9gate.audit.verify.Progress;
import io.p9gate.audit.verify.VerificationReport;
import io.p9gate.audit.verify.Verifier;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The current segment is zeroed ahead of its records, so that a synced append changes no file size and its
 * fsync need not commit the file system's journal (issue 11). Readers take zeros that run to the end of a
 * segment as not written yet; zeros anywhere else stay visible; no segment keeps zeros once it is closed.
 */
class ZeroedAheadSegmentTest {
    @TempDir
    Path tmp;

    private final SigningKey key = TestLogs.key("test-key");

    @Test
    void syncedAppendsDoNotChangeTheSegmentsSize() throws Exception {
        Path dir = tmp.resolve("log");
        try (AuditLog log = AuditLog.open(dir, key, TestLogs.options().withCheckpointRecords(1000))) {
            log.append(TestLogs.decision(0), Durability.SYNCED);
            Path segment = lastSegment(dir);
            long size = Files.size(segment);
            for (int i = 1; i <= 100; i++) {
                log.append(TestLogs.decision(i), Durability.SYNCED);
                assertEquals(size, Files.size(segment), "record " + i + " was written over zeros, not appended");
            }
        }
    }

    /**
     * A segment is made durable through a second descriptor of its own (fdatasync through an
     * AsynchronousFileChannel): the writer's RandomAccessFile offers only fsync, which also writes the mtime,
     * a journal commit after every append. So the live segment and the spare are each open twice.
     */
    @Test
    void theLiveSegmentAndTheSpareEachHaveADescriptorForTheirFdatasync() throws Exception {
        Path dir = tmp.resolve("log");
        try (AuditLog log = AuditLog.open(dir, key, TestLogs.options())) {
            log.append(TestLogs.decision(0), Durability.SYNCED);
            Path segment = lastSegment(dir).toRealPath();
            assertEquals(2, descriptorsOf(segment), "the writer's and the fdatasync's");
            assertEquals(2, descriptorsOf(dir.resolve(SegmentWriter.SPARE).toRealPath()), "the spare's two");
        }
    }

    private static long descriptorsOf(Path file) throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.filter(fd -> {
                        try {
                            return Files.readSymbolicLink(fd).equals(file);
                        } catch (IOException gone) {
                            return false; // closed while listed (the listing's own descriptor)
                        }
                    })
                    .count();
        }
    }

    @Test
    void everySegmentEndsWithItsLastRecordOnceClosed() throws Exception {
        Path dir = tmp.resolve("log");
        try (AuditLog log = AuditLog.open(dir, key, TestLogs.options().withMaxSegmentBytes(4_000))) {
            for (int i = 0; i < 40; i++) {
                log.append(TestLogs.decision(i), Durability.SYNCED);
            }
        }
        List<Path> segments = LogDirectory.segments(dir);
        assertTrue(segments.size() > 2, "rotated: " + segments);
        for (Path segment : segments) {
            byte[] bytes = Files.readAllBytes(segment);
            assertEquals('\n', bytes[bytes.length - 1], segment + " ends with a record");
            for (byte b : bytes) {
                assertTrue(b != 0, segment + " holds no zero byte");
            }
        }
        assertTrue(verify(dir).ok());
    }

    @Test
    void theImageOfALiveLogReadsAsItsRecordsAndContinuesAfterThem() throws Exception {
        Path live = tmp.resolve("live");
        Path image = tmp.resolve("image");
        long appended;
        try (AuditLog log = AuditLog.open(live, key, TestLogs.options())) {
            for (int i = 0; i < 30; i++) {
                log.append(TestLogs.decision(i), Durability.SYNCED);
            }
            appended = log.size();
            copy(live, image); // what a kill -9 leaves: the zeros ahead included
        }
        Path segment = lastSegment(image);
        byte[] bytes = Files.readAllBytes(segment);
        assertEquals(0, bytes[bytes.length - 1], "the image holds the zeros written ahead");

        VerificationReport before = verify(image);
        assertTrue(before.ok(), before.summary());
        assertEquals(appended, before.records(), before.summary());
        assertEquals(0, before.tornBytes(), "zeros are not a torn record");

        try (AuditLog restarted = AuditLog.open(image, key, TestLogs.options())) {
            assertTrue(restarted.size() > appended, "the restart continued after the image's records");
            restarted.append(TestLogs.decision(99), Durability.SYNCED);
        }
        VerificationReport after = verify(image);
        assertTrue(after.ok(), after.summary());
        assertTrue(after.records() > appended, after.summary());
        assertEquals(after.records(), after.anchored(), after.summary());
    }

    @Test
    void zerosFollowedByRecordsAreNotTakenForTheEnd() throws Exception {
        Path dir = tmp.resolve("log");
        try (AuditLog log = AuditLog.open(dir, key, TestLogs.options())) {
            for (int i = 0; i < 30; i++) {
                log.append(TestLogs.decision(i));
            }
        }
        Path segment = lastSegment(dir);
        long size = Files.size(segment);
        try (RandomAccessFile f = new RandomAccessFile(segment.toFile(), "rw")) {
            f.seek(size / 2);
            f.write(new byte[200]); // a hole of zeros amid records: records hidden behind it must still count
        }
        VerificationReport r = verify(dir);
        assertFalse(r.ok(), "zeros inside the records are a finding: " + r.summary());
    }

    private VerificationReport verify(Path dir) throws IOException {
        return new Verifier(List.of(key.verifierKey()), null, Progress.NONE).verify(dir);
    }

    private static Path lastSegment(Path dir) throws IOException {
        return LogDirectory.segments(dir).getLast();
    }

    private static void copy(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        try (Stream<Path> files = Files.list(from)) {
            for (Path f : files.toList()) {
                Files.copy(f, to.resolve(f.getFileName()));
            }
        }
    }
}
