package io.p9gate.audit.verify;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.audit.AuditLog;
import io.p9gate.audit.AuditOptions;
import io.p9gate.audit.AuditWriteException;
import io.p9gate.audit.TestLogs;
import io.p9gate.audit.note.SigningKey;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Verifying the log of a running gateway (after a restart, say) must not raise an alarm: the writer goes on
 * appending records, rotating segments and signing notes while the verifier reads. A note signed after the
 * verifier listed the segments covers records in a segment it never reads; that is a live log, not a truncation.
 */
class LiveLogVerifyTest {
    @TempDir
    Path dir;

    private final SigningKey key = TestLogs.key("test-key");

    @Test
    void notesSignedWhileVerifyingDoNotReadAsTruncated() throws Exception {
        AuditOptions options = TestLogs.options().withMaxSegmentBytes(16 * 1024).withCheckpointRecords(100_000);
        try (AuditLog log = AuditLog.open(dir, key, options)) {
            for (int i = 0; i < 50; i++) {
                log.append(TestLogs.decision(i));
            }
            log.checkpoint();
            boolean[] once = {true};
            // The first progress report comes after the segments were listed and before any note is read.
            Progress writerGoesOn = (read, total, records) -> {
                if (once[0]) {
                    once[0] = false;
                    try {
                        for (int i = 0; i < 300; i++) { // several rotations: new segments the listing lacks
                            log.append(TestLogs.decision(i));
                        }
                        log.checkpoint();
                    } catch (AuditWriteException e) {
                        throw new IllegalStateException(e);
                    }
                }
            };
            VerificationReport r = new Verifier(List.of(key.verifierKey()), null, writerGoesOn).verify(dir);
            assertTrue(!once[0], "the writer appended during the pass");
            assertTrue(r.ok(), r.summary());
        }
    }
}
