package io.p9gate.audit;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.p9gate.audit.note.SigningKey;
import io.p9gate.audit.read.LogDirectory;
import io.p9gate.audit.verify.Progress;
import io.p9gate.audit.verify.VerificationReport;
import io.p9gate.audit.verify.Verifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A bind mount over a file of the audit directory (root only: a mount made in a user namespace is not seen by the
 * gateway's). The verifier and the writer need no mount check: what a mount shows at a segment's name is read and
 * verified as any file there (by chain and signatures; an archived segment may rightly be a link to another file
 * system, so "another mount than the directory's" is no sign of tampering), and the writer renames only a file it
 * made, which a mount at the spare's name is not. Skipped where {@code mount --bind} is not allowed.
 */
class BindMountedSegmentTest {
    @TempDir
    Path dir;

    @TempDir
    Path elsewhere;

    private final SigningKey key = TestLogs.key("test-key");

    private static boolean run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        return p.waitFor() == 0;
    }

    private static void bind(Path source, Path target) throws Exception {
        assumeTrue(run("mount", "--bind", source.toString(), target.toString()), "mount --bind is not allowed here");
    }

    private static void unmount(Path target) throws Exception {
        run("umount", "-l", target.toString());
    }

    @Test
    void aSegmentShownByAMountIsVerifiedByWhatItHolds() throws Exception {
        TestLogs.write(dir, key, RotationSyncTest.smallSegments(), 300);
        List<Path> segments = LogDirectory.segments(dir);
        assertTrue(segments.size() >= 3, segments.toString());
        Path shown = elsewhere.resolve("other.jsonl");
        Files.copy(segments.getFirst(), shown); // records of the log, at the wrong place
        bind(shown, segments.get(1));
        try {
            VerificationReport r = new Verifier(List.of(key.verifierKey()), null, Progress.NONE).verify(dir);
            assertFalse(r.ok(), r.summary());
        } finally {
            unmount(segments.get(1));
        }
        assertTrue(new Verifier(List.of(key.verifierKey()), null, Progress.NONE)
                .verify(dir)
                .ok());
    }

    @Test
    void aMountAtTheSparesNameIsNotRenamedIntoTheLog() throws Exception {
        Path shown = elsewhere.resolve("other.jsonl");
        Files.writeString(shown, "not the writer's\n");
        AuditLog log = AuditLog.open(dir, key, RotationSyncTest.smallSegments());
        try {
            log.append(TestLogs.decision(0));
            Path spare = dir.resolve(SegmentWriter.SPARE);
            bind(shown, spare);
            try {
                assertThrows(AuditWriteException.class, () -> {
                    for (int i = 1; i < 2_000; i++) {
                        log.append(TestLogs.decision(i));
                    }
                });
            } finally {
                unmount(spare);
            }
        } finally {
            try {
                log.close();
            } catch (AuditWriteException stillFailed) {
                // the refused rotation failed the log: its shutdown record may be refused too
            }
        }
        assertTrue(Files.readString(shown).equals("not the writer's\n"), "nothing was written to the mounted file");
    }
}
