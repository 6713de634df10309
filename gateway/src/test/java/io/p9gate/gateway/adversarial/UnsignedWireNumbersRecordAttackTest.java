package io.p9gate.gateway.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.fs.AuditEntry;
import io.p9gate.gateway.fs.Operation;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.TMessage;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red team (R-AUD-1): the numbers of a request are unsigned on the wire (a device's major and minor u32, in Tmknod
 * and the "c major minor" text of a .u Tcreate; offsets and lock ranges u64), and the gateway keeps a device's
 * unsigned (the mapped device's stat and text). The records wrote them as Java ints and longs: a guest asking for
 * device 2147483649:4294967295 left "dev=-2147483647:-1" in the log, a Tread at 2^64-1 "offset=-1", a Tlock from
 * 2^64-1 "start=-1": numbers no request carries, so the log misnamed what was asked (and, for a device on a share
 * that maps devices, what was made).
 */
@Timeout(30)
class UnsignedWireNumbersRecordAttackTest {
    private static final int S_IFCHR = 0020000;
    private static final int DMDEVICE = 0x00800000;
    private static final int O_RDWR = 2;
    private static final int O_DIRECTORY = 0200000;
    private static final int F_WRLCK = 1;

    @TempDir
    Path tmp;

    @Test
    void theRecordNamesTheDeviceNumbersTheGuestSent() throws Exception {
        try (HostShareGateway gw = HostShareGateway.serving(tmp, "", "data")) {
            for (String dialect : List.of("9P2000.L", "9P2000.u")) {
                try (P9Client g = P9Client.open(UnixDomainSocketAddress.of(gw.socket), 65536)) {
                    g.version(65536, dialect);
                    g.attach(0, "root", "data", 0);
                    String name = "dev-" + dialect;
                    try {
                        if (dialect.endsWith("L")) {
                            g.rpc(new TMessage.Tmknod(0, name, S_IFCHR | 0600, 0x80000001, 0xFFFFFFFF, 0));
                        } else {
                            g.walk(0, 1);
                            g.rpc(new TMessage.Tcreate(
                                    1, name, DMDEVICE | 0600, 0, Optional.of("c 2147483649 4294967295")));
                        }
                    } catch (P9Exception refused) {
                        // Allowed or refused, the request is recorded with what it asked.
                    }
                    List<String> described = gw.records.stream()
                            .map(AuditEntry::request)
                            .filter(r -> r.operation() == Operation.MKNOD
                                    && r.paths().stream().anyMatch(p -> p.endsWith(name)))
                            .map(r -> r.args().describe())
                            .toList();
                    assertEquals(1, described.size(), dialect + ": one record of the mknod: " + described);
                    assertEquals("mode=20600 dev=2147483649:4294967295", described.getFirst(), dialect);
                }
            }
        }
    }

    @Test
    void theRecordNamesTheOffsetsAndLockRangesTheGuestSent() throws Exception {
        try (HostShareGateway gw = HostShareGateway.serving(tmp, "", "data")) {
            Files.writeString(gw.share("data").resolve("f"), "hello");
            try (P9Client g = P9Client.open(UnixDomainSocketAddress.of(gw.socket), 65536)) {
                g.attach(0, "root", "data", 0);
                g.walk(0, 1, "f");
                g.lopen(1, O_RDWR);
                g.walk(0, 2);
                g.lopen(2, O_DIRECTORY);
                int before = gw.records.size();
                // Each refused (EINVAL: past what a host offset or lock range can be), each recorded with its numbers.
                attempt(() -> g.read(1, -1L, 10));
                attempt(() -> g.write(1, Long.MIN_VALUE, new byte[] {'x'}));
                attempt(() -> g.readdir(2, -2L, 1000));
                attempt(() -> g.rpc(new TMessage.Tlock(1, F_WRLCK, 0, -1L, 1, 1, "c")));
                attempt(() -> g.rpc(new TMessage.Tgetlock(1, F_WRLCK, 5, -5L, 1, "c")));
                List<String> described = gw.records.subList(before, gw.records.size()).stream()
                        .map(e -> e.request().operation() + " "
                                + e.request().args().describe())
                        .distinct() // a change's intent and outcome carry the same request
                        .toList();
                assertEquals(
                        List.of(
                                "READ offset=18446744073709551615",
                                "WRITE offset=9223372036854775808",
                                "READDIR offset=18446744073709551614",
                                "LOCK type=1 start=18446744073709551615 length=1",
                                "GETLOCK type=1 start=5 length=18446744073709551611"),
                        described);
            }
            assertEquals("hello", Files.readString(gw.share("data").resolve("f")), "nothing was written");
        }
    }

    private interface Request {
        Object send() throws Exception;
    }

    /** Sends a request the gateway is expected to refuse; its answer is not what this test checks. */
    private static void attempt(Request request) throws Exception {
        try {
            request.send();
        } catch (P9Exception refused) {
            // recorded either way
        }
    }
}
