package io.p9gate.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.audit.note.SigningKey;
import io.p9gate.audit.read.LogDirectory;
import io.p9gate.audit.verify.FindingClass;
import io.p9gate.audit.verify.Progress;
import io.p9gate.audit.verify.VerificationReport;
import io.p9gate.audit.verify.Verifier;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sidecar is never read whole. It grows by a note a second while records arrive and is never rotated, so a
 * gateway busy for months has one of gigabytes; a doctored one costs nothing as a sparse file. It was read with
 * {@code Files.readAllBytes}, three times at every open (the last note, and twice to find where to append) and once
 * by the verifier: past 2 GiB that is {@code OutOfMemoryError: Required array size too large}, so the gateway could
 * not restart on its own log and {@code audit verify} died without a finding.
 */
class LargeSidecarTest {
    @TempDir
    Path dir;

    /** A line of 2 GiB + 1 of zeros (a hole), then the last note again: the log still opens, continues, verifies. */
    @Test
    void aSidecarBeyond2GiBNeitherStopsTheGatewayNorTheVerifier() throws Exception {
        SigningKey key = TestLogs.key("ecu-a-audit");
        TestLogs.write(dir, key, TestLogs.options(), 20);
        Path sidecar = LogDirectory.checkpointsFile(dir);
        List<String> lines = Files.readAllLines(sidecar);
        long hugeLineAt;
        try (RandomAccessFile f = new RandomAccessFile(sidecar.toFile(), "rw")) {
            hugeLineAt = f.length();
            f.setLength(hugeLineAt + (1L << 31) + 1); // sparse: no disk used
            f.seek(f.length());
            f.write('\n');
        }
        Files.writeString(sidecar, lines.getLast() + "\n", StandardOpenOption.APPEND);

        try (AuditLog log = AuditLog.open(dir, key, TestLogs.options())) {
            log.append(TestLogs.decision(100));
        }
        VerificationReport r = new Verifier(List.of(key.verifierKey()), null, Progress.NONE).verify(dir);
        assertEquals(FindingClass.MALFORMED.exitCode(), r.exitCode(), r.summary());
        assertTrue(r.summary().contains("checkpoints line " + (lines.size() + 1)), r.summary());
        assertEquals(r.records(), r.anchored(), r.summary());
    }
}
