package io.p9gate.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.audit.note.SigningKey;
import io.p9gate.audit.read.AuditRecord;
import io.p9gate.audit.read.LogDirectory;
import io.p9gate.audit.verify.Progress;
import io.p9gate.audit.verify.VerificationReport;
import io.p9gate.audit.verify.Verifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Something put at {@link SegmentWriter#PENDING} by somebody who can write the audit directory (not the writer's own
 * successor segment): before, every rotation failed on the occupied name and each retry again, and a directory or
 * FIFO there refused the start, so the log stayed failed (every VM's every request refused) until an operator
 * removed it. It is set aside under a name of its own, kept as found, and the log says so in its own records.
 */
class StrayPendingTest {
    @TempDir
    Path dir;

    private final SigningKey key = TestLogs.key("test-key");

    private static AuditOptions smallSegments() {
        return TestLogs.options().withMaxSegmentBytes(16 * 1024).withCheckpointRecords(100_000);
    }

    private List<Path> setAside() throws Exception {
        return setAside(SegmentWriter.PENDING + ".");
    }

    private List<Path> setAside(String prefix) throws Exception {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.getFileName().toString().startsWith(prefix)
                            && p.getFileName().toString().contains(".found-"))
                    .toList();
        }
    }

    private AuditRecord recovered() throws Exception {
        return TestLogs.records(dir).stream()
                .filter(r -> "log_recovered".equals(r.type()))
                .findFirst()
                .orElseThrow();
    }

    private AuditRecord lastStart() throws Exception {
        return TestLogs.records(dir).stream()
                .filter(r -> "start".equals(r.type()) && r.detail().startsWith("key="))
                .toList()
                .getLast();
    }

    /** Set aside in this order: found-T, found-T-1, ... (one second may hold them all), or in later seconds. */
    private static int bySuffix(Path a, Path b) {
        return java.util.Comparator.comparing(
                        (Path p) -> p.getFileName().toString().replaceAll("-\\d+$", ""))
                .thenComparingInt(p -> {
                    String n = p.getFileName().toString();
                    return n.matches(".*Z-\\d+$") ? Integer.parseInt(n.substring(n.lastIndexOf('-') + 1)) : 0;
                })
                .compare(a, b);
    }

    private void assertVerifies() throws Exception {
        VerificationReport r = new Verifier(List.of(key.verifierKey()), null, Progress.NONE).verify(dir);
        assertTrue(r.ok(), r.summary());
    }

    @Test
    void aFilePutAtThePendingNameWhileTheLogRunsIsSetAsideAtTheNextRotationAndTheLogRecovers() throws Exception {
        Path pending = dir.resolve(SegmentWriter.PENDING);
        try (AuditLog log = AuditLog.open(dir, key, smallSegments())) {
            Files.writeString(pending, "planted\n");
            int failures = 0;
            for (int i = 0; i < 400; i++) { // ~25 KiB of records: at least one rotation
                try {
                    log.append(TestLogs.decision(i));
                } catch (AuditWriteException e) {
                    failures++;
                    assertTrue(log.recoverNow(), "the retry finds the name free: " + e.getMessage());
                }
            }
            assertEquals(1, failures, "the rotation that found the name taken failed once, and only once");
        }
        List<Path> aside = setAside();
        assertEquals(1, aside.size(), "kept beside the log: " + aside);
        assertEquals("planted\n", Files.readString(aside.getFirst(), StandardCharsets.US_ASCII));
        AuditRecord recovered = recovered();
        assertTrue(recovered.detail().contains(aside.getFirst().getFileName().toString()), recovered.detail());
        assertVerifies();
    }

    @Test
    void aDirectoryAtThePendingNameIsSetAsideAtTheStartNotRefusingIt() throws Exception {
        TestLogs.write(dir, key, smallSegments(), 3);
        Path pending = dir.resolve(SegmentWriter.PENDING);
        Files.createDirectory(pending);
        Files.writeString(pending.resolve("inside"), "kept");
        try (AuditLog log = AuditLog.open(dir, key, smallSegments())) {
            log.append(TestLogs.decision(3));
        }
        List<Path> aside = setAside();
        assertEquals(1, aside.size(), "kept beside the log: " + aside);
        assertEquals("kept", Files.readString(aside.getFirst().resolve("inside")));
        AuditRecord start = lastStart();
        assertTrue(
                start.detail().contains(" pending_set_aside=" + aside.getFirst().getFileName()), start.detail());
        assertVerifies();
    }
    /**
     * Planted again while the log is failed: each retry's rotation sets the new file aside and fails again, and the
     * retry that succeeds recorded only the first one (its failure=), so the log named one file of several kept
     * beside it. Every file set aside while the log was failed is named by the log_recovered record.
     */
    @Test
    void everyFileSetAsideWhileTheLogIsFailedIsNamedWhenItRecovers() throws Exception {
        Path pending = dir.resolve(SegmentWriter.PENDING);
        try (AuditLog log = AuditLog.open(dir, key, smallSegments())) {
            Files.writeString(pending, "planted 1\n");
            int failures = 0;
            int planted = 1;
            for (int i = 0; i < 400; i++) { // ~25 KiB of records: at least one rotation
                try {
                    log.append(TestLogs.decision(i));
                } catch (AuditWriteException e) {
                    failures++;
                    while (planted < 10) { // planted again after each set-aside: the retry finds it
                        planted++;
                        Files.writeString(pending, "planted " + planted + "\n");
                        assertFalse(log.recoverNow(), "the retry found the name taken again");
                    }
                    assertTrue(log.recoverNow(), "the retry finds the name free: " + e.getMessage());
                }
            }
            assertEquals(1, failures, "appends failed while one rotation did");
        }
        List<Path> aside =
                setAside().stream().sorted(StrayPendingTest::bySuffix).toList();
        assertEquals(10, aside.size(), "each kept beside the log: " + aside);
        AuditRecord recovered = recovered();
        List<String> named = List.of(recovered.detail().split(" ")).stream()
                .filter(w -> w.startsWith("pending_set_aside"))
                .toList();
        List<String> expected = new java.util.ArrayList<>(aside.subList(0, StrayPending.SetAsideNames.SHOWN).stream()
                .map(p -> "pending_set_aside=" + p.getFileName())
                .toList());
        expected.add("pending_set_aside_more=2"); // bounded: a planter may go on for as long as it likes
        assertEquals(expected, named, recovered.detail());
        assertVerifies();
    }

    /**
     * A file at the name of the segment a rotation starts: no segment of the log starts there (it ends before), so
     * somebody who can write the directory put it there. Before, that rotation failed on the taken name ("never
     * append to a segment this writer did not start"), and every retry's again: the log stayed failed, every VM's
     * every request refused, until an operator removed it.
     */
    @Test
    void aFileAtTheNextSegmentsNameIsSetAsideAndTheLogRotates() throws Exception {
        int failures = 0;
        try (AuditLog log = AuditLog.open(dir, key, smallSegments())) {
            for (int i = 0; i < 100; i++) { // ~40 KiB of records: rotations
                Path planted = LogDirectory.segmentFile(dir, log.size()); // the name this record's rotation takes
                if (failures == 0) { // until a rotation found one
                    Files.writeString(planted, "planted\n");
                }
                try {
                    log.append(TestLogs.decision(i));
                } catch (AuditWriteException e) {
                    failures++;
                    assertTrue(log.recoverNow(), "the retry finds the name free: " + e.getMessage());
                }
                if (failures == 0) {
                    Files.delete(planted); // no rotation came to this name
                }
            }
        }
        assertEquals(1, failures, "the rotation that found the name taken failed once, and only once");
        List<Path> aside = setAside("segment-0");
        assertEquals(1, aside.size(), "kept beside the log: " + aside);
        assertEquals("planted\n", Files.readString(aside.getFirst(), StandardCharsets.US_ASCII));
        assertTrue(
                recovered()
                        .detail()
                        .contains(" pending_set_aside=" + aside.getFirst().getFileName()),
                recovered().detail());
        assertVerifies();
    }

    /**
     * A regular file at the pending name while the gateway is stopped that does not continue the log: a power loss's
     * leftover (records the gateway wrote, never reported durable) or a file someone put there. Before, it was
     * deleted at the start, evidence or somebody's data; it is set aside as found, and the START record names it.
     */
    @Test
    void aFileAtThePendingNameWhileStoppedIsSetAsideNotDeleted() throws Exception {
        TestLogs.write(dir, key, smallSegments(), 3);
        Files.writeString(dir.resolve(SegmentWriter.PENDING), "someone's file\n");
        try (AuditLog log = AuditLog.open(dir, key, smallSegments())) {
            log.append(TestLogs.decision(3));
        }
        List<Path> aside = setAside();
        assertEquals(1, aside.size(), "kept beside the log: " + aside);
        assertEquals("someone's file\n", Files.readString(aside.getFirst(), StandardCharsets.US_ASCII));
        assertTrue(
                lastStart()
                        .detail()
                        .contains(" pending_set_aside=" + aside.getFirst().getFileName()),
                lastStart().detail());
        assertVerifies();
    }

    /**
     * A crash right after a rotation leaves the pending segment empty, or holding only the zeros written ahead of its
     * records: nothing to keep, so it is deleted, not set aside (a file and a START word at every such crash).
     */
    @Test
    void aPendingSegmentHoldingNoRecordIsDeletedNotSetAside() throws Exception {
        TestLogs.write(dir, key, smallSegments(), 3);
        Files.write(dir.resolve(SegmentWriter.PENDING), new byte[64 * 1024]);
        try (AuditLog log = AuditLog.open(dir, key, smallSegments())) {
            log.append(TestLogs.decision(3));
        }
        assertEquals(List.of(), setAside());
        assertFalse(Files.exists(dir.resolve(SegmentWriter.PENDING)));
        assertFalse(
                lastStart().detail().contains("pending_set_aside"), lastStart().detail());
        assertVerifies();
    }

    /**
     * A pending segment of 4 GiB with a byte in every MiB (a sparse file: 16 MiB of disk; the byte keeps the readers'
     * hole skipping from ever starting) left while the gateway is stopped: a crash's debris, or a host-side planter.
     * The start read it whole to learn whether it held a record at all (one 9P-sized file per MiB of hole: a
     * planted file of terabytes kept every VM waiting for hours). Only a file as small as a record and the writer's
     * zeros ahead can hold none; a larger one is set aside unread.
     */
    @Test
    void aHugePendingSegmentIsSetAsideWithoutBeingReadWhole() throws Exception {
        TestLogs.write(dir, key, smallSegments(), 3);
        Path pending = dir.resolve(SegmentWriter.PENDING);
        long size = 4L << 30;
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(
                pending, java.nio.file.StandardOpenOption.CREATE_NEW, java.nio.file.StandardOpenOption.WRITE)) {
            for (long at = 0; at < size; at += 1 << 20) {
                ch.write(java.nio.ByteBuffer.wrap(new byte[] {'x'}), at);
            }
        }
        size = Files.size(pending);
        long before = bytesReadByThisThread();
        try (AuditLog log = AuditLog.open(dir, key, smallSegments())) {
            log.append(TestLogs.decision(3));
        }
        long read = bytesReadByThisThread() - before;
        assertTrue(read < 64L << 20, "the start read " + read + " bytes for a pending segment of " + size);
        List<Path> aside = setAside();
        assertEquals(1, aside.size(), "kept beside the log, as found: " + aside);
        assertEquals(size, Files.size(aside.getFirst()));
        assertVerifies();
    }

    /** Bytes this thread has read through read(2) and pread(2) so far ({@code rchar}: page cache or not). */
    private static long bytesReadByThisThread() throws Exception {
        return Files.readAllLines(Path.of("/proc/thread-self/io")).stream()
                .filter(l -> l.startsWith("rchar:"))
                .mapToLong(l -> Long.parseLong(l.substring("rchar:".length()).trim()))
                .findFirst()
                .orElseThrow();
    }
}
