package io.p9gate.audit;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.audit.note.SigningKey;
import io.p9gate.audit.verify.Progress;
import io.p9gate.audit.verify.VerificationReport;
import io.p9gate.audit.verify.Verifier;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The zeros written ahead of the records (docs/audit-format.md) when the disk fills: the writer asks for 1 MiB past
 * the records, the disk takes part of it, and the record is then written over the zeros it has. Before, the zeros
 * the disk did take were forgotten, so every later record asked for the 1 MiB again and rewrote every zero up to
 * the end of the file before the disk refused the rest: about half a MiB of writes per record of ~400 bytes, under
 * the log's lock that every VM's request waits for, for as long as the disk stayed full. Now the zeros written are
 * kept: a record is written over them and the disk is asked again only past them.
 */
class ZerosOnAFullDiskAttackTest {
    /** Where the simulated disk is full: the segment may not grow past it. */
    private static final long DISK_ROOM = 256 << 10;

    @TempDir
    Path dir;

    /** Before: ~50 MB written for 500 records (each rewrote the zeros up to the disk's end). */
    @Test
    void recordsOnAFullDiskAreWrittenOverTheZerosItTook() throws Exception {
        SigningKey key = TestLogs.key("zeros");
        FullDisk disk = new FullDisk();
        AuditOptions options = TestLogs.options().withCheckpointRecords(1 << 20);
        try (AuditLog log = AuditLog.open(dir, key, options, CheckpointObserver.NONE, disk)) {
            for (int i = 0; i < 500; i++) {
                log.append(TestLogs.decision(i));
            }
        }
        long written = disk.bytesWritten.get();
        assertTrue(written < 2 * DISK_ROOM, written + " bytes written to the segment for 500 records");
        VerificationReport report = new Verifier(List.of(key.verifierKey()), null, Progress.NONE).verify(dir);
        assertTrue(report.ok(), report.summary());
    }

    /** Segment files that cannot grow past {@link #DISK_ROOM}: a write past it is cut there and fails, as ENOSPC. */
    private static final class FullDisk implements SegmentWriter.SegmentFiles {
        final AtomicLong bytesWritten = new AtomicLong();

        @Override
        public RandomAccessFile open(Path file) throws IOException {
            return new RandomAccessFile(file.toFile(), "rw") {
                @Override
                public void write(byte[] b, int off, int len) throws IOException {
                    long at = getFilePointer();
                    long fits = Math.max(0, Math.min(len, Math.max(DISK_ROOM, length()) - at));
                    if (fits > 0) {
                        super.write(b, off, (int) fits);
                        bytesWritten.addAndGet(fits);
                    }
                    if (fits < len) {
                        throw new IOException("No space left on device");
                    }
                }
            };
        }
    }
}
