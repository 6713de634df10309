package io.p9gate.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.audit.note.SigningKey;
import io.p9gate.audit.read.LogDirectory;
import io.p9gate.audit.verify.Progress;
import io.p9gate.audit.verify.VerificationReport;
import io.p9gate.audit.verify.Verifier;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A rotation renames the spare, and a seal the pending file, by name. A local user who can write the audit directory
 * can put another file at that name between the writer's open and its rename: renamed into place, that file (which
 * holds what the user wrote) became the log's next segment, while the writer went on appending to its own file, now
 * under a name no reader looks at, and reported those records durable. The writer must notice and stop.
 */
class RenameSwapTest {
    @TempDir
    Path dir;

    private final SigningKey key = TestLogs.key("test-key");

    /** Real files; armed, the next seal's fsync seam swaps a file of the user's in at {@link SegmentWriter#PENDING}. */
    static final class PendingSwap implements SegmentWriter.SegmentFiles {
        final Path dir;
        volatile boolean armed;
        volatile Object planted;

        PendingSwap(Path dir) {
            this.dir = dir;
        }

        @Override
        public RandomAccessFile open(Path file) throws IOException {
            return REAL.open(file);
        }

        @Override
        public void rotationSync() throws IOException {
            if (armed) {
                armed = false;
                planted = plant(dir, dir.resolve(SegmentWriter.PENDING));
            }
        }
    }

    /** Moves the writer's file at {@code name} away and renames a file of the user's there; returns that file's key. */
    static Object plant(Path dir, Path name) throws IOException {
        Path forged = dir.resolve("forged.tmp");
        Files.writeString(forged, "{\"seq\":0,\"forged\":true}\n", StandardCharsets.UTF_8);
        Object key = fileKey(forged);
        Files.move(name, dir.resolve("taken.tmp"));
        Files.move(forged, name, StandardCopyOption.ATOMIC_MOVE);
        return key;
    }

    static Object fileKey(Path file) throws IOException {
        return Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS)
                .fileKey();
    }

    private static boolean anySegmentIs(Path dir, Object key) throws IOException {
        for (Path segment : LogDirectory.segments(dir)) {
            if (key.equals(fileKey(segment))) {
                return true;
            }
        }
        return false;
    }

    @Test
    void aSpareReplacedBeforeTheRotationStopsTheLog() throws Exception {
        try (AuditLog log = AuditLog.open(dir, key, RotationSyncTest.smallSegments())) {
            log.append(TestLogs.decision(0));
            Path spare = dir.resolve(SegmentWriter.SPARE);
            assertTrue(Files.exists(spare), "the spare is ready");
            Object planted = plant(dir, spare);
            AuditWriteException refused = assertThrows(AuditWriteException.class, () -> {
                for (int i = 1; i < 2_000; i++) {
                    log.append(TestLogs.decision(i)); // the rotation renames the spare to the pending name
                }
                log.checkpoint(); // and its seal to a segment name
            });
            assertTrue(refused.getMessage().contains("replaced"), refused.getMessage());
            // The rotation is retried with a new file of the writer's own, as after a failed write.
            assertTrue(log.recoverNow(), "the log writes again");
            for (int i = 0; i < 200; i++) {
                log.append(TestLogs.decision(i));
            }
            log.checkpoint();
            assertFalse(anySegmentIs(dir, planted), "the user's file is no segment of the log");
        }
        VerificationReport r = new Verifier(List.of(key.verifierKey()), null, Progress.NONE).verify(dir);
        assertTrue(r.ok(), r.summary());
        assertEquals(r.records(), r.anchored(), "every record reported written is in the log: " + r.summary());
    }

    @Test
    void aPendingFileReplacedBeforeTheSealStopsTheLog() throws Exception {
        PendingSwap files = new PendingSwap(dir);
        AuditLog log = AuditLog.open(dir, key, RotationSyncTest.smallSegments(), CheckpointObserver.NONE, files);
        try {
            files.armed = true;
            AuditWriteException refused = assertThrows(AuditWriteException.class, () -> {
                for (int i = 0; i < 2_000; i++) {
                    log.append(TestLogs.decision(i));
                }
                log.checkpoint();
            });
            assertTrue(refused.getMessage().contains("replaced"), refused.getMessage());
            assertFalse(anySegmentIs(dir, files.planted), "the user's file is no segment of the log");
            // A failed seal leaves what is on disk uncertain: the log stays failed until a restart.
            assertFalse(log.recoverNow());
        } finally {
            assertThrows(AuditWriteException.class, log::close, "its shutdown record is refused too");
        }
    }
}
