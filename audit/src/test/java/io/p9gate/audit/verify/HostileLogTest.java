package io.p9gate.audit.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.audit.AuditOptions;
import io.p9gate.audit.TestLogs;
import io.p9gate.audit.note.SigningKey;
import io.p9gate.audit.read.LogDirectory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile bytes in an audit directory (someone with write access, not the key): the verifier must report each as
 * a finding with the right class and keep verifying the rest, never abort with an unexplained error, crash or run
 * out of memory.
 */
class HostileLogTest {
    @TempDir
    static Path work;

    static Path base;
    static SigningKey key;
    static final AuditOptions OPTIONS = TestLogs.options().withMaxSegmentBytes(8_000);
    private static int copies;

    @BeforeAll
    static void writeBaseLog() throws Exception {
        key = TestLogs.key("ecu-a-audit");
        base = work.resolve("base");
        TestLogs.write(base, key, OPTIONS, 60);
    }

    private static Path copy() throws Exception {
        return LogEditor.copy(base, work.resolve("copy" + copies++));
    }

    private static VerificationReport verify(Path dir) throws Exception {
        return new Verifier(List.of(key.verifierKey()), null, Progress.NONE).verify(dir);
    }

    /**
     * A sidecar line that is not UTF-8 (here 0xff 0xfe) is a line that is not a checkpoint: MALFORMED, as a line that
     * is not JSON is. It used to abort the whole verification with "Input length = 1" (exit 1, "log cannot be
     * read"), so one stray byte hid every other finding and said nothing a reviewer could act on.
     */
    @Test
    void aSidecarLineThatIsNotUtf8IsMalformedAndTheRestIsStillVerified() throws Exception {
        Path dir = copy();
        Files.write(
                LogDirectory.checkpointsFile(dir),
                new byte[] {(byte) 0xff, (byte) 0xfe, '\n'},
                StandardOpenOption.APPEND);
        VerificationReport r = verify(dir);
        assertEquals(FindingClass.MALFORMED.exitCode(), r.exitCode(), r.summary());
        assertTrue(r.summary().contains("checkpoints line"), r.summary());
        assertTrue(r.verifiedCheckpoints() > 0, r.summary());
        assertEquals(r.records(), r.anchored(), r.summary());
    }
}
