package io.p9gate.gateway.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.audit.read.AuditRecord;
import io.p9gate.gateway.client.P9Client;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red team (R-ROB-2, the audit log): a symlink's target may be 4,095 bytes, which symlink(2) takes, and each control
 * byte is 6 in a record ({@code \u0001}). A Tsymlink's record kept its target whole, so one allowed Tsymlink of a
 * 4,095-byte target of U+0001 wrote 25,106 bytes of audit log, where every path and a walk's names are bounded at
 * 4,095 record bytes. Allowed requests are never aggregated like refusals: a make-and-unlink loop of such links
 * fills the log's disk budget, shared by every VM, about 50 times faster than the same loop with a short target. A
 * target that would take more than 4,095 bytes of a record is recorded as its first characters, its length and its
 * SHA-256, as an over-long path is; the host's link keeps it whole.
 */
class SymlinkTargetRecordAttackTest {
    private static final int ROOT = 0;
    /** An allowed request's records, as OversizedArgumentRecordAttackTest bounds a refusal's. */
    private static final long RECORD_BOUND = 8 << 10;

    @TempDir
    Path tmp;

    @Test
    void aTargetOfControlCharactersIsBoundedInTheRecordAndWholeOnTheHost() throws Exception {
        String target = "\u0001".repeat(4095);
        try (AuditedPolicyGateway rig = new AuditedPolicyGateway(tmp);
                P9Client alpha = rig.alpha()) {
            long before = OversizedArgumentRecordAttackTest.recordBytes(rig);
            alpha.symlink(ROOT, "lnk", target, 0);
            long grown = OversizedArgumentRecordAttackTest.recordBytes(rig) - before;
            assertTrue(grown > 0, "the Tsymlink was not recorded");
            assertTrue(grown < RECORD_BOUND, "one allowed Tsymlink wrote " + grown + " bytes of audit log");

            assertEquals(
                    target,
                    Files.readSymbolicLink(rig.policy.data.resolve("lnk")).toString(),
                    "made whole");
            List<AuditRecord> symlinks = rig.logs.records().stream()
                    .filter(r -> "symlink".equals(r.op()))
                    .toList();
            assertTrue(!symlinks.isEmpty(), "no symlink record");
            String sha256 = HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-256").digest(target.getBytes(StandardCharsets.UTF_8)));
            for (AuditRecord record : symlinks) {
                assertTrue(
                        record.detail().contains("...%[4095-bytes-sha256-" + sha256 + "]"),
                        "says how long the target was and which it was: " + record.detail());
            }
            assertEquals(0, rig.logs.verify().exit(), rig.logs.verify().output());
        }
    }

    @Test
    void anOrdinaryTargetIsRecordedWhole() throws Exception {
        String target = "../lib/" + "x".repeat(3000) + " with=space";
        try (AuditedPolicyGateway rig = new AuditedPolicyGateway(tmp);
                P9Client alpha = rig.alpha()) {
            alpha.symlink(ROOT, "lnk", target, 0);
            AuditRecord record = rig.logs.records().stream()
                    .filter(r -> "symlink".equals(r.op()))
                    .reduce((a, b) -> b)
                    .orElseThrow();
            assertTrue(
                    record.detail().contains("target=../lib/" + "x".repeat(3000) + "%20with%3dspace"), record.detail());
        }
    }
}
