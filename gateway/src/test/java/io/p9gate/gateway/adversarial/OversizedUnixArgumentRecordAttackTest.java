package io.p9gate.gateway.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.Stat;
import io.p9gate.gateway.proto.TMessage;
import io.p9gate.gateway.proto.Wstats;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red team (R-ROB-2, the audit log), the 9P2000 and 9P2000.u strings {@link OversizedArgumentRecordAttackTest} left
 * out: a .u Tcreate's extension (a device's "c major minor", a hard link's fid) that does not parse, and a Twstat's
 * owner or group name that is no number, are refused and recorded with the text as sent. A 9P string may be 65,535
 * bytes and each control byte is 6 in a record: one such request of VM alpha wrote about 360 KB of audit log.
 */
@Timeout(30)
class OversizedUnixArgumentRecordAttackTest {
    private static final long RECORD_BOUND = 8 << 10;
    private static final int OREAD = 0;

    @TempDir
    Path tmp;

    @Test
    void unparsedExtensionsAndOwnerNamesDoNotFillTheAuditLog() throws Exception {
        String hostile = "\u0001".repeat(60_000);
        try (AuditedPolicyGateway rig = new AuditedPolicyGateway(tmp);
                P9Client alpha = P9Client.open(UnixDomainSocketAddress.of(rig.policy.alphaSocket), 65536)) {
            alpha.version(65536, "9P2000.u");
            alpha.attach(0, "root", "data", 0);
            Files.writeString(rig.policy.data.resolve("f"), "f");

            alpha.walk(0, 1);
            long before = OversizedArgumentRecordAttackTest.recordBytes(rig);
            P9Exception device = assertThrows(
                    P9Exception.class,
                    () -> alpha.rpc(new TMessage.Tcreate(1, "dev", Stat.DMDEVICE | 0600, OREAD, Optional.of(hostile))),
                    "a device whose extension is 60,000 control characters");
            assertEquals(Errno.EINVAL, device.errno());
            assertGrewLittle(rig, before, "Tcreate of a device");

            alpha.walk(0, 2);
            before = OversizedArgumentRecordAttackTest.recordBytes(rig);
            P9Exception link = assertThrows(
                    P9Exception.class,
                    () -> alpha.rpc(new TMessage.Tcreate(2, "lnk", 0x01000000 | 0644, OREAD, Optional.of(hostile))),
                    "a hard link whose extension is 60,000 control characters");
            assertEquals(Errno.EINVAL, link.errno());
            assertGrewLittle(rig, before, "Tcreate of a hard link");

            alpha.walk(0, 3, "f");
            before = OversizedArgumentRecordAttackTest.recordBytes(rig);
            P9Exception owner = assertThrows(
                    P9Exception.class,
                    () -> alpha.rpc(Wstats.unix(3, Wstats.common(-1, "", -1, -1, -1L, hostile), -1, -1)),
                    "an owner name of 60,000 control characters");
            assertEquals(Errno.EINVAL, owner.errno());
            assertGrewLittle(rig, before, "Twstat of an owner name");
            assertEquals(0, rig.logs.verify().exit(), rig.logs.verify().output());
        }
    }

    private static void assertGrewLittle(AuditedPolicyGateway rig, long before, String request) throws Exception {
        long grown = OversizedArgumentRecordAttackTest.recordBytes(rig) - before;
        assertTrue(grown > 0, request + " was not recorded");
        assertTrue(grown < RECORD_BOUND, request + " wrote " + grown + " bytes of audit log");
    }
}
