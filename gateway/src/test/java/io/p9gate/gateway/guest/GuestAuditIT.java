package io.p9gate.gateway.guest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.audit.read.AuditRecord;
import io.p9gate.gateway.auditing.SignedAuditTrail;
import io.p9gate.gateway.auditing.SignedLogs;
import io.p9gate.gateway.fs.AllowAll;
import io.p9gate.gateway.fs.GatewayEvent;
import io.p9gate.gateway.server.Gateway;
import io.p9gate.gateway.server.GatewayConfig;
import io.p9gate.gateway.server.ListenSpec;
import io.p9gate.gateway.wiring.ShareServerFactory;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Ground truth for the audit trail (R-AUD-1, R-AUD-3): what the Linux kernel client does to a share ends up in
 * the signed log as records with the right operations and paths; the log verifies, and fails to once a single
 * byte is changed.
 */
class GuestAuditIT {

    @Test
    void whatTheGuestDidIsInTheSignedLog(@TempDir Path temp) throws Exception {
        GuestHarness harness = GuestHarness.locate();
        Path share = PosixScript.traversableDir(temp.resolve("share"));
        SignedLogs logs = SignedLogs.in(temp);
        GuestResult result;
        try (SignedAuditTrail trail = logs.open();
                ShareServerFactory factory = new ShareServerFactory(Map.of("test", share), new AllowAll(), trail)) {
            trail.lifecycle(new GatewayEvent.Started("sha256:guest-test", null));
            GatewayConfig config = new GatewayConfig(
                    List.of(ListenSpec.parse("tcp:127.0.0.1:0")), factory, GatewayConfig.DEFAULT_MSIZE, 4);
            try (Gateway gateway = Gateway.start(config)) {
                result = harness.run(
                        "p9gate-audit-ops",
                        gateway,
                        GuestRun.script(RepoPaths.guestScripts().resolve("audit-ops.sh"))
                                .withAname("test"));
            }
        }
        assertEquals(List.of(), result.failed(), result::describe);
        assertEquals(6, result.checks().size(), result::describe);

        List<AuditRecord> records = logs.records();
        assertRecorded(records, Set.of("lcreate"), "/created.txt");
        assertRecorded(records, Set.of("write"), "/created.txt");
        assertRecorded(records, Set.of("read"), "/created.txt");
        AuditRecord rename = assertRecorded(records, Set.of("rename", "renameat"), "/created.txt");
        assertTrue(rename.detail().contains("to=/renamed.txt"), rename.detail());
        assertRecorded(records, Set.of("mkdir"), "/newdir");
        assertRecorded(records, Set.of("readdir"), "/");
        assertRecorded(records, Set.of("unlinkat", "remove"), "/renamed.txt");
        AuditRecord write =
                records.stream().filter(r -> "write".equals(r.op())).findFirst().orElseThrow();
        assertEquals(6L, write.bytes(), "'hello\\n'");
        assertTrue(records.stream().anyMatch(r -> "session_attach".equals(r.type())), "session attach recorded");
        assertTrue(records.stream().anyMatch(r -> "session_close".equals(r.type())), "session close recorded");
        assertEquals("shutdown", records.get(records.size() - 2).type());

        SignedLogs.Verified clean = logs.verify();
        assertEquals(0, clean.exit(), clean.output());
        logs.flipOneByte();
        SignedLogs.Verified tampered = logs.verify();
        assertNotEquals(0, tampered.exit(), tampered.output());
    }

    private static AuditRecord assertRecorded(List<AuditRecord> records, Set<String> ops, String path) {
        return records.stream()
                .filter(r -> r.isDecision()
                        && ops.contains(r.op())
                        && path.equals(r.path())
                        && "allow".equals(r.decision())
                        && r.errno() == 0)
                .findFirst()
                .orElseThrow(() -> new AssertionError("no successful " + ops + " of " + path + " among "
                        + records.stream()
                                .filter(AuditRecord::isDecision)
                                .map(r -> r.op() + " " + r.path())
                                .toList()));
    }
}
