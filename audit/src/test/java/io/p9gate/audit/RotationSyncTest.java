package io.p9gate.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
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
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A segment rotation fsyncs the segment it closes (and the directory): every VM's append must not wait behind
 * that fsync, or a VM that makes many records (so many rotations) slows every other VM's requests. The fsync is
 * held at a seam; an append from another thread must still return.
 */
class RotationSyncTest {
    @TempDir
    Path dir;

    private final SigningKey key = TestLogs.key("test-key");

    /** Real files; the first rotation's fsync waits, once armed, until released. */
    static final class HeldRotation implements SegmentWriter.SegmentFiles {
        final CountDownLatch held = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        volatile boolean armed;
        /** What the held fsync then fails with, or null. */
        volatile IOException failure;

        @Override
        public RandomAccessFile open(Path file) throws IOException {
            return REAL.open(file);
        }

        @Override
        public void rotationSync() throws IOException {
            if (armed) {
                armed = false;
                held.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                if (failure != null) {
                    throw failure;
                }
            }
        }
    }

    static AuditOptions smallSegments() {
        return TestLogs.options().withMaxSegmentBytes(16 * 1024).withCheckpointRecords(100_000);
    }

    private VerificationReport verify(Path log) throws IOException {
        return new Verifier(List.of(key.verifierKey()), null, Progress.NONE).verify(log);
    }

    /**
     * Appends from one thread until a rotation is in its (held) fsync, then appends from another: returns the
     * second append's sequence number, with the rotation still held.
     */
    private long appendDuringRotation(Path logDir, AuditLog log, HeldRotation files, ExecutorService pool)
            throws Exception {
        files.armed = true;
        Path pending = logDir.resolve(SegmentWriter.PENDING);
        Future<Integer> busyVm = pool.submit(() -> {
            int n = 0;
            // Until a rotation is in its fsync (here) or has retired the segment (then the fsync follows elsewhere).
            while (files.held.getCount() > 0 && !Files.exists(pending)) {
                log.append(TestLogs.decision(n++));
            }
            return n;
        });
        assertTrue(files.held.await(60, TimeUnit.SECONDS), "a rotation began");
        Future<Long> otherVm = pool.submit(() -> log.append(TestLogs.decision(1)));
        // Behind the log's one lock, held over the fsync, this waited until the fsync returned.
        long seq = otherVm.get(60, TimeUnit.SECONDS);
        assertTrue(busyVm.get(60, TimeUnit.SECONDS) > 10, "records before the rotation");
        return seq;
    }

    @Test
    void anAppendDoesNotWaitForTheFsyncOfARotation() throws Exception {
        HeldRotation files = new HeldRotation();
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try (AuditLog log = AuditLog.open(dir, key, smallSegments(), CheckpointObserver.NONE, files)) {
            appendDuringRotation(dir, log, files, pool);
            assertEquals(1, LogDirectory.segments(dir).size(), "no segment name before its predecessor is durable");
            assertTrue(Files.exists(dir.resolve(SegmentWriter.PENDING)));
            files.release.countDown();
            log.checkpoint(); // its fsync waits for the seal
            assertEquals(2, LogDirectory.segments(dir).size());
            assertFalse(Files.exists(dir.resolve(SegmentWriter.PENDING)));
        } finally {
            files.release.countDown();
            pool.shutdownNow();
        }
        VerificationReport r = verify(dir);
        assertTrue(r.ok(), r.summary());
        assertEquals(r.records(), r.anchored(), r.summary());
    }

    /**
     * A SYNCED append made while a rotation's fsync is held returns only once the rotated segment is durable and
     * its successor named: the group commit never counts records of a segment it did not fsync.
     */
    @Test
    void aSyncedAppendWaitsForTheSealOfTheSegmentBeforeIt() throws Exception {
        HeldRotation files = new HeldRotation();
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try (AuditLog log = AuditLog.open(dir, key, smallSegments(), CheckpointObserver.NONE, files)) {
            long seq = appendDuringRotation(dir, log, files, pool);
            Future<Long> synced = pool.submit(() -> log.append(TestLogs.decision(2), Durability.SYNCED));
            assertTrue(log.durableRecords() <= seq, "nothing after the retired segment is durable yet");
            files.release.countDown();
            long syncedSeq = synced.get(60, TimeUnit.SECONDS);
            assertTrue(log.durableRecords() > syncedSeq);
            assertEquals(2, LogDirectory.segments(dir).size(), "the successor is named before it counts as durable");
        } finally {
            files.release.countDown();
            pool.shutdownNow();
        }
    }

    /**
     * A failed fsync of a rotated segment fails the log for good: a retried fsync may succeed without the lost
     * pages, so no later group commit or checkpoint may count the records after it as durable.
     */
    @Test
    void aFailedSealFailsTheLogAndEveryLaterFsync() throws Exception {
        HeldRotation files = new HeldRotation();
        files.failure = new java.io.SyncFailedException("injected: EIO");
        ExecutorService pool = Executors.newFixedThreadPool(3);
        AuditLog log = AuditLog.open(dir, key, smallSegments(), CheckpointObserver.NONE, files);
        try {
            long seq = appendDuringRotation(dir, log, files, pool);
            Future<Long> synced = pool.submit(() -> log.append(TestLogs.decision(2), Durability.SYNCED));
            while (log.size() < seq + 2) { // its record is written; it waits for the seal, then fsyncs itself
                Thread.onSpinWait();
            }
            files.release.countDown();
            java.util.concurrent.ExecutionException e =
                    assertThrows(java.util.concurrent.ExecutionException.class, () -> synced.get(60, TimeUnit.SECONDS));
            assertInstanceOf(AuditWriteException.class, e.getCause());
            assertThrows(AuditWriteException.class, log::checkpoint);
            assertThrows(AuditWriteException.class, () -> log.append(TestLogs.decision(3), Durability.SYNCED));
            assertFalse(log.writable());
            assertTrue(log.durableRecords() <= seq, "nothing after the failed fsync counts as durable");
            assertEquals(1, LogDirectory.segments(dir).size(), "the successor never got its segment name");
        } finally {
            files.release.countDown();
            pool.shutdownNow();
            assertThrows(AuditWriteException.class, log::close, "close reports the failure again");
        }
        assertEquals(List.of(), openFilesUnder(dir), "close leaves no descriptor of the log open");
    }

    /** The files under {@code root} this process holds a descriptor of (Linux: /proc/self/fd). */
    private static List<Path> openFilesUnder(Path root) throws IOException {
        List<Path> open = new java.util.ArrayList<>();
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            for (Path fd : fds.toList()) {
                try {
                    Path target = Files.readSymbolicLink(fd);
                    if (target.startsWith(root.toRealPath())) {
                        open.add(target);
                    }
                } catch (IOException gone) {
                    // closed meanwhile (the listing's own descriptor, another thread's file)
                }
            }
        }
        return open;
    }

    /**
     * Copies of a live log's directory taken while a rotation's fsync is held (the retired segment unsealed, its
     * successor at {@link SegmentWriter#PENDING}); returns how many records the log held then.
     */
    private long imagesDuringRotation(Path... images) throws Exception {
        HeldRotation files = new HeldRotation();
        ExecutorService pool = Executors.newFixedThreadPool(2);
        Path live = dir.resolve("live");
        try (AuditLog log = AuditLog.open(live, key, smallSegments(), CheckpointObserver.NONE, files)) {
            appendDuringRotation(live, log, files, pool);
            long written = log.size();
            for (Path image : images) {
                copy(live, image);
            }
            files.release.countDown();
            return written;
        } finally {
            files.release.countDown();
            pool.shutdownNow();
        }
    }

    /** Crash images taken while the rotation's fsync is held: a process crash, and a power loss. */
    @Test
    void recoveryAdoptsTheSuccessorThatContinuesTheLogAndDropsOneThatCannot() throws Exception {
        Path processCrash = dir.resolve("process-crash");
        Path powerLoss = dir.resolve("power-loss");
        long written = imagesDuringRotation(processCrash, powerLoss);
        // The page cache kept everything: the successor continues the log and becomes its segment.
        try (AuditLog log = AuditLog.open(processCrash, key, smallSegments())) {
            assertTrue(log.size() > written, "all " + written + " records recovered, then START");
        }
        assertFalse(Files.exists(processCrash.resolve(SegmentWriter.PENDING)));
        VerificationReport r = verify(processCrash);
        assertTrue(r.ok(), r.summary());

        // The end of the unsynced segment was lost: the successor's records cannot follow; the log still opens.
        Path first = LogDirectory.segments(powerLoss).getFirst();
        long end = TestLogs.writtenEnd(first);
        try (RandomAccessFile f = new RandomAccessFile(first.toFile(), "rw")) {
            f.setLength(end - 40); // a torn last line
        }
        try (AuditLog log = AuditLog.open(powerLoss, key, smallSegments())) {
            assertTrue(log.size() < written, "the records after the tear are gone");
        }
        assertFalse(Files.exists(powerLoss.resolve(SegmentWriter.PENDING)));
        r = verify(powerLoss);
        assertTrue(r.ok(), r.summary());
    }

    /**
     * After a process crash the retired segment's end was only in the page cache: recovery must make it durable
     * before it names the successor, or the restarted writer (which continues the successor and fsyncs only that)
     * reports records durable while a power loss could still tear the segment before them. An fsync that fails
     * there leaves the successor unadopted and the log unopened, as a failed seal does.
     */
    @Test
    void recoveryMakesTheRetiredSegmentDurableBeforeItAdoptsItsSuccessor() throws Exception {
        Path image = dir.resolve("process-crash");
        long written = imagesDuringRotation(image);
        Path retired = LogDirectory.segments(image).getLast();
        List<Path> synced = new java.util.concurrent.CopyOnWriteArrayList<>();
        SegmentWriter.SegmentFiles failing = new SegmentWriter.SegmentFiles() {
            @Override
            public RandomAccessFile open(Path file) throws IOException {
                return REAL.open(file);
            }

            @Override
            public void recoverySync(Path file) throws IOException {
                synced.add(file);
                throw new java.io.SyncFailedException("injected: EIO");
            }
        };
        assertThrows(
                IOException.class,
                () -> AuditLog.open(image, key, smallSegments(), CheckpointObserver.NONE, failing)
                        .close());
        assertEquals(List.of(retired), synced, "the retired segment is fsynced before its successor is named");
        assertTrue(Files.exists(image.resolve(SegmentWriter.PENDING)), "not adopted after a failed fsync");
        assertEquals(List.of(retired), LogDirectory.segments(image));

        try (AuditLog log = AuditLog.open(image, key, smallSegments())) {
            assertTrue(log.size() > written, "all " + written + " records recovered, then START");
        }
        assertFalse(Files.exists(image.resolve(SegmentWriter.PENDING)));
        VerificationReport r = verify(image);
        assertTrue(r.ok(), r.summary());
    }

    /**
     * The pending segment replaced by a FIFO between recovery's check of it and the read of its first line: the
     * gateway's start was held in open(2) for ever, though the file had been checked to be a regular one.
     */
    @Test
    void aFifoRenamedOverThePendingSegmentAfterItsCheckFailsTheStartNotHoldsIt() throws Exception {
        Path image = dir.resolve("process-crash");
        imagesDuringRotation(image);
        Path pending = image.resolve(SegmentWriter.PENDING);
        Path fifo = dir.resolve("fifo");
        assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());
        List<Path> read = new java.util.concurrent.CopyOnWriteArrayList<>();
        LogRecovery.beforeReadPending = file -> {
            read.add(file);
            try {
                Files.move(fifo, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        };
        try {
            IOException e = assertThrows(
                    IOException.class,
                    () -> org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(
                            java.time.Duration.ofSeconds(10),
                            () -> AuditLog.open(image, key, smallSegments()).close()));
            assertTrue(e.getMessage().contains(SegmentWriter.PENDING + " is not a regular file"), e.getMessage());
            assertEquals(List.of(pending), read, "the seam ran where the pending segment is read");
        } finally {
            LogRecovery.beforeReadPending = file -> {};
            // Opened read-write for a moment (never blocks on Linux): a reader held in open(2) goes on.
            new ProcessBuilder("sh", "-c", ": <> \"$0\"", pending.toString())
                    .start()
                    .waitFor();
        }
    }

    /**
     * The retired segment replaced by a FIFO just before recovery fsyncs it to adopt its successor: the start was held
     * in open(2) for ever (it opened the name again, for reading, to fsync it).
     */
    @Test
    void aFifoRenamedOverTheRetiredSegmentBeforeItsFsyncFailsTheStartNotHoldsIt() throws Exception {
        Path image = dir.resolve("process-crash");
        imagesDuringRotation(image);
        Path retired = LogDirectory.segments(image).getLast();
        Path fifo = dir.resolve("fifo");
        assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());
        List<Path> synced = new java.util.concurrent.CopyOnWriteArrayList<>();
        SegmentWriter.SegmentFiles swapping = new SegmentWriter.SegmentFiles() {
            @Override
            public RandomAccessFile open(Path file) throws IOException {
                return REAL.open(file);
            }

            @Override
            public void recoverySync(Path file) throws IOException {
                synced.add(file);
                Files.move(fifo, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
        };
        try {
            IOException e = assertThrows(
                    IOException.class,
                    () -> org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(
                            java.time.Duration.ofSeconds(10),
                            () -> AuditLog.open(image, key, smallSegments(), CheckpointObserver.NONE, swapping)
                                    .close()));
            assertEquals(List.of(retired), synced, "the seam ran where the retired segment is fsynced");
            assertTrue(e.getMessage().contains(retired.getFileName() + " is not a regular file"), e.getMessage());
            assertTrue(Files.exists(image.resolve(SegmentWriter.PENDING)), "not adopted");
        } finally {
            new ProcessBuilder("sh", "-c", ": <> \"$0\"", retired.toString())
                    .start()
                    .waitFor();
        }
    }

    private static void copy(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        try (Stream<Path> files = Files.list(from)) {
            for (Path f : files.toList()) {
                Files.copy(f, to.resolve(f.getFileName()));
            }
        }
    }

    /**
     * A file put at the new segment's name between its rotation and its seal (the rotation found the name free; the
     * seal renames segment-next.pending to it): before, the seal's rename failed, which failed the log until a
     * restart, and the restart was refused, the file being read as the log's last segment. Nothing of the writer's
     * is at that name: it is set aside as found, the seal goes on, and the log stays writable.
     */
    @Test
    void aFilePutAtTheNewSegmentsNameBeforeItsSealIsSetAside() throws Exception {
        HeldRotation files = new HeldRotation();
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try (AuditLog log = AuditLog.open(dir, key, smallSegments(), CheckpointObserver.NONE, files)) {
            appendDuringRotation(dir, log, files, pool);
            // The retired segment is whole: the new one starts with the record after its last.
            Path successor = LogDirectory.segmentFile(dir, TestLogs.records(dir).size());
            Files.writeString(successor, "planted\n");
            files.release.countDown();
            log.checkpoint(); // its fsync waits for the seal
            assertTrue(log.writable(), "the seal did not fail the log");
            log.append(TestLogs.decision(7), Durability.SYNCED);
        } finally {
            files.release.countDown();
            pool.shutdownNow();
        }
        try (Stream<Path> listed = Files.list(dir)) {
            List<Path> aside = listed.filter(p -> p.getFileName().toString().startsWith("segment-0")
                            && p.getFileName().toString().contains(".found-"))
                    .toList();
            assertEquals(1, aside.size(), "kept beside the log: " + aside);
            assertEquals("planted\n", Files.readString(aside.getFirst()));
            String word = " pending_set_aside=" + aside.getFirst().getFileName();
            assertTrue(
                    TestLogs.records(dir).stream()
                            .anyMatch(rec -> "checkpoint".equals(rec.type())
                                    && rec.detail().contains(word)),
                    "a checkpoint record names it");
        }
        VerificationReport r = verify(dir);
        assertTrue(r.ok(), r.summary());
        try (AuditLog reopened = AuditLog.open(dir, key, smallSegments())) {
            reopened.append(TestLogs.decision(8));
        }
    }
}
