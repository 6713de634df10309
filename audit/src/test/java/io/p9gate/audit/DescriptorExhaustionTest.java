package io.p9gate.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.audit.note.SigningKey;
import io.p9gate.audit.read.AuditRecord;
import io.p9gate.audit.read.LogDirectory;
import io.p9gate.audit.verify.Progress;
import io.p9gate.audit.verify.VerificationReport;
import io.p9gate.audit.verify.Verifier;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The log when the process runs out of file descriptors (issue 8 item 2, audit half; R-ROB-2, R-AUD-4): a
 * segment rotation needs no new descriptor, the failure is logged at ERROR the moment it happens (even when
 * logging itself cannot get a descriptor), and a log that failed on a write recovers without a restart once it
 * can write again, after checking that the file still ends with the record its chain ends with.
 */
class DescriptorExhaustionTest {
    @TempDir
    Path dir;

    private final SigningKey key = TestLogs.key("test-key");
    /** Every record starts a new segment, so every append rotates. */
    private final AuditOptions rotateEachRecord = TestLogs.options().withMaxSegmentBytes(1);

    private final AuditLogLines lines = new AuditLogLines();
    private final Logger auditLoggers = lines.auditLoggers;
    private final List<LogRecord> logged = lines.logged;

    /**
     * Opens files for real until switched to fail as they do in a process without a free descriptor; can cut
     * the next write short (half the bytes reach the file, then the error), as a full disk does.
     */
    private static final class FaultyFiles implements SegmentWriter.SegmentFiles {
        volatile boolean exhausted;
        volatile boolean cutNextWrite;

        @Override
        public RandomAccessFile open(Path file) throws IOException {
            if (exhausted) {
                throw new FileSystemException(file.toString(), null, "Too many open files");
            }
            return new RandomAccessFile(file.toFile(), "rw") {
                @Override
                public void write(byte[] b, int off, int len) throws IOException {
                    if (cutNextWrite) {
                        cutNextWrite = false;
                        super.write(b, off, len / 2);
                        throw new IOException("No space left on device");
                    }
                    super.write(b, off, len);
                }
            };
        }
    }

    @BeforeEach
    void captureLogs() {
        lines.start();
    }

    @AfterEach
    void releaseLogs() {
        lines.stop();
    }

    private boolean loggedAt(Level level, String text) {
        return lines.at(level).stream().anyMatch(m -> m.contains(text));
    }

    private List<AuditRecord> records() throws IOException {
        return TestLogs.records(dir);
    }

    @Test
    void aRotationNeedsNoDescriptorAndAFailedLogRecoversOnceItCanWriteAgain() throws Exception {
        FaultyFiles files = new FaultyFiles();
        try (AuditLog log = AuditLog.open(dir, key, rotateEachRecord, CheckpointObserver.NONE, files)) {
            log.append(TestLogs.decision(0));
            files.exhausted = true;
            log.append(TestLogs.decision(1)); // rotates into the spare segment file prepared ahead of time
            assertTrue(log.writable(), "a rotation without a free descriptor still works");
            assertTrue(loggedAt(Level.WARNING, "cannot prepare the next segment file"), logged.toString());

            // The spare is used up: this rotation needs a descriptor, and the log fails, saying so at once.
            AuditWriteException e = assertThrows(AuditWriteException.class, () -> log.append(TestLogs.decision(2)));
            assertEquals(AuditWriteException.EIO, e.errno());
            assertFalse(log.writable());
            assertTrue(loggedAt(Level.SEVERE, "audit log failed"), logged.toString());
            assertFalse(log.writable(), "a refusal counted while failed");

            assertFalse(log.recoverNow(), "still no descriptor: stays failed");
            files.exhausted = false;
            assertTrue(log.recoverNow(), "a descriptor is free again");
            assertTrue(log.writable());
            log.append(TestLogs.decision(3));
        }
        String detail = recoveredAndVerified();
        assertTrue(detail.contains("Too many open files"), detail);
        assertTrue(detail.contains("refused=2"), detail);
    }

    /** The detail of the one {@code log_recovered} record, once the whole log verifies and is anchored. */
    private String recoveredAndVerified() throws IOException {
        VerificationReport report = new Verifier(List.of(key.verifierKey()), null, Progress.NONE).verify(dir);
        assertTrue(report.ok(), report.summary());
        assertEquals(report.records(), report.anchored());
        return records().stream()
                .filter(r -> "log_recovered".equals(r.type()))
                .map(AuditRecord::detail)
                .reduce((x, y) -> {
                    throw new AssertionError("two log_recovered records: " + x + " / " + y);
                })
                .orElseThrow(() -> new AssertionError("no log_recovered record"));
    }

    /**
     * What a short write left is cut off before the log goes on, and {@code log_recovered}'s {@code torn_bytes}
     * counts its record data: with {@code zeros} of its bytes zero (pages the disk lost), those are not counted, as
     * the start record and {@code audit verify} count a torn tail (they were, so one tail had two figures).
     */
    @ParameterizedTest
    @ValueSource(ints = {0, 5})
    void aShortWriteIsCutOffBeforeTheLogGoesOn(int zeros) throws Exception {
        FaultyFiles files = new FaultyFiles();
        long lineBytes;
        try (AuditLog log = AuditLog.open(dir, key, TestLogs.options(), CheckpointObserver.NONE, files)) {
            log.append(TestLogs.decision(0));
            Path segment = LogDirectory.segments(dir).getLast();
            long before = TestLogs.writtenEnd(segment);
            files.cutNextWrite = true;
            assertThrows(AuditWriteException.class, () -> log.append(TestLogs.decision(1)));
            lineBytes = TestLogs.writtenEnd(segment) - before;
            assertTrue(lineBytes > zeros + 2, "part of a line reached the file");
            try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(segment.toFile(), "rw")) {
                f.seek(before + 2);
                f.write(new byte[zeros]);
            }
            assertFalse(log.writable());
            assertTrue(log.recoverNow());
            log.append(TestLogs.decision(2));
        }
        String detail = recoveredAndVerified();
        assertTrue(detail.contains("torn_bytes=" + (lineBytes - zeros) + " "), detail);
    }

    @Test
    void aSegmentThatNoLongerEndsWithTheChainStaysFailed() throws Exception {
        FaultyFiles files = new FaultyFiles();
        try (AuditLog log = AuditLog.open(dir, key, TestLogs.options(), CheckpointObserver.NONE, files)) {
            log.append(TestLogs.decision(0));
            Path segment = LogDirectory.segments(dir).getLast();
            long end = TestLogs.writtenEnd(segment);
            try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(segment.toFile(), "rw")) {
                f.seek(end - 30); // the end of the last record, edited in place
                f.write(("x".repeat(29) + "\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            }
            files.cutNextWrite = true;
            assertThrows(AuditWriteException.class, () -> log.append(TestLogs.decision(1)));
            assertFalse(log.recoverNow(), "the file is not what was written: appending would break the chain");
            assertFalse(log.writable());
            assertTrue(loggedAt(Level.SEVERE, "stays failed"), logged.toString());
        } catch (AuditWriteException expectedOnClose) {
            assertEquals(AuditWriteException.EIO, expectedOnClose.errno());
        }
    }

    @Test
    void anInterruptedAppenderThatRotatesDoesNotBreakTheLog() throws Exception {
        try (AuditLog log = AuditLog.open(dir, key, rotateEachRecord)) {
            log.append(TestLogs.decision(0));
            Thread.currentThread().interrupt(); // a worker whose 9P request was flushed, rotating the segment
            try {
                log.append(TestLogs.decision(1));
            } finally {
                Thread.interrupted();
            }
            assertTrue(log.writable());
            log.append(TestLogs.decision(2));
        }
        assertTrue(LogDirectory.segments(dir).size() > 3, "the test rotated");
    }

    @Test
    void theFailureIsReportedEvenWhenLoggingItselfFails() throws Exception {
        // Under descriptor exhaustion the first log record can fail inside the logging backend (JUL's console
        // handler loads the time zone file lazily): the failure must still be reported, and not as an Error.
        Handler broken = new Handler() {
            @Override
            public void publish(LogRecord r) {
                throw new Error("java.io.FileNotFoundException: lib/tzdb.dat (Too many open files)");
            }

            @Override
            public void flush() {}

            @Override
            public void close() {}
        };
        PrintStream err = System.err;
        ByteArrayOutputStream fallback = new ByteArrayOutputStream();
        auditLoggers.addHandler(broken);
        System.setErr(new PrintStream(fallback, true, StandardCharsets.UTF_8));
        try (AuditLog log = AuditLog.open(dir, key, rotateEachRecord)) {
            Files.createDirectory(LogDirectory.segmentFile(dir, log.size())); // the next rotation cannot create it
            assertThrows(AuditWriteException.class, () -> log.append(TestLogs.decision(1)));
            assertFalse(log.writable());
        } catch (AuditWriteException expectedOnClose) {
            assertEquals(AuditWriteException.EIO, expectedOnClose.errno());
        } finally {
            System.setErr(err);
            auditLoggers.removeHandler(broken);
        }
        String printed = fallback.toString(StandardCharsets.UTF_8);
        assertTrue(printed.contains("audit log failed"), printed);
    }

    /**
     * A guest that keeps the process's descriptor table full takes every descriptor the log frees unless the log
     * takes it back at once: the log holds what it held when the table filled (its descriptors under the
     * directory, read from /proc/self/fd) and may open a file only when it has closed one since. A rotation frees
     * the full segment's descriptors and the new spare takes them: the log rotates as long as the guest keeps up.
     */
    private static final class FullTable implements SegmentWriter.SegmentFiles {
        private final Path dir;
        private volatile int held = Integer.MAX_VALUE;

        FullTable(Path dir) {
            this.dir = dir;
        }

        /** The guest takes every free descriptor: from now on, only what the log closes can be opened again. */
        void fill() throws IOException {
            held = openUnder(dir);
        }

        /**
         * {@code descriptor} is the writer's check of the file ({@code /proc/self/fd/N}, closed once the file is open):
         * it takes a free slot for a moment, as every checked open did, but the log does not hold it.
         */
        private void take(Path descriptor) throws IOException {
            if (openUnder(dir) - 1 >= held) {
                throw new FileSystemException(descriptor.toString(), null, "Too many open files");
            }
        }

        @Override
        public RandomAccessFile open(Path descriptor) throws IOException {
            take(descriptor);
            return REAL.open(descriptor);
        }

        @Override
        public java.nio.channels.AsynchronousFileChannel openSync(Path descriptor) throws IOException {
            take(descriptor);
            return SegmentWriter.SegmentFiles.super.openSync(descriptor);
        }

        private static int openUnder(Path root) throws IOException {
            Path real = root.toRealPath();
            int n = 0;
            try (java.util.stream.Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
                for (Path fd : fds.toList()) {
                    try {
                        if (Files.readSymbolicLink(fd).startsWith(real)) {
                            n++;
                        }
                    } catch (IOException gone) {
                        // closed meanwhile
                    }
                }
            }
            return n;
        }
    }

    @Test
    void aLogKeepsRotatingWhileAGuestKeepsTheDescriptorTableFull() throws Exception {
        FullTable files = new FullTable(dir);
        try (AuditLog log = AuditLog.open(dir, key, rotateEachRecord, CheckpointObserver.NONE, files)) {
            for (int i = 0; i < 10; i++) {
                files.fill();
                log.append(TestLogs.decision(i)); // rotates; the segment before it is sealed on the checkpoint thread
                log.checkpoint(); // rotates again, seals both
                assertTrue(log.writable(), "rotation " + i + ": " + logged);
            }
        }
        VerificationReport report = new Verifier(List.of(key.verifierKey()), null, Progress.NONE).verify(dir);
        assertTrue(report.ok(), report.summary());
    }
}
