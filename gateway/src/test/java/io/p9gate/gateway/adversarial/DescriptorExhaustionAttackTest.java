package io.p9gate.gateway.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.audit.read.LogDirectory;
import io.p9gate.gateway.auditing.SignedLogs;
import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.proto.P9Exception;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 8, item 2 (the audit log's half): a guest exhausts the process's file descriptors with walks to a
 * file (each new fid holds an O_PATH descriptor), then keeps sending requests. Each one is a record, and with small
 * segments the log rotates many times while no descriptor is free. It used to fail at the first such rotation:
 * every VM got EIO on every request until a restart, and nothing was logged. Here the gateway runs under a
 * small {@code ulimit -n}; every request must still be served and recorded, nothing may report a failed log,
 * and once the guest lets go a new session works and the log verifies. (Per-VM descriptor budgets, issue 8's
 * other half, may stop the guest earlier; the log must go on either way.)
 */
class DescriptorExhaustionAttackTest {
    private static final int MAX_DESCRIPTORS = 256;

    @TempDir
    Path tmp;

    @Test
    void theLogRotatesAndKeepsRecordingWhileAGuestHoldsEveryFreeDescriptor() throws Exception {
        AuditedGatewayProcess gateway = new AuditedGatewayProcess(tmp, List.of("--audit-segment-bytes", "8KiB"));
        java.nio.file.Files.writeString(gateway.share.resolve("f"), "held open by every walk to it");
        gateway.start(MAX_DESCRIPTORS);
        try {
            try (P9Client attacker = guest(gateway)) {
                for (int i = 0; i < 20; i++) {
                    attacker.getattr(0, 0x3fff); // the request path is warm before descriptors run out
                }
                int held = 0;
                P9Exception exhausted = null;
                for (int fid = 1; exhausted == null && fid < 4 * MAX_DESCRIPTORS; fid++) {
                    try {
                        attacker.walk(0, fid, "f"); // each fid holds an O_PATH descriptor of f
                        held++;
                    } catch (P9Exception e) {
                        exhausted = e;
                    }
                }
                assertNotNull(exhausted, "the walks never ran out of descriptors");
                System.out.printf(
                        "DescriptorExhaustionAttackTest: %d fids held, then %s%n", held, exhausted.getMessage());
                for (int i = 0; i < 300; i++) {
                    attacker.getattr(0, 0x3fff); // ~20 rotations, none with a free descriptor
                }
                for (int fid = 1; fid <= held; fid++) {
                    attacker.clunk(fid);
                }
            }
            try (P9Client next = guest(gateway)) {
                next.getattr(0, 0x3fff);
            }
        } finally {
            gateway.stop();
        }
        String stderr = gateway.stderrText();
        System.out.printf(
                "DescriptorExhaustionAttackTest: %d segments; gateway stderr:%n%s%n",
                LogDirectory.segments(gateway.logs.dir).size(), stderr);
        assertFalse(stderr.contains("audit log failed"), stderr);
        assertTrue(LogDirectory.segments(gateway.logs.dir).size() > 20, "the log rotated");
        SignedLogs.Verified verified = gateway.logs.verify();
        assertEquals(0, verified.exit(), verified.output());
    }

    private static P9Client guest(AuditedGatewayProcess gateway) throws Exception {
        P9Client client = P9Client.open(UnixDomainSocketAddress.of(gateway.socket), 65536);
        client.attach(0, "root", "data", 0);
        return client;
    }
}
