package io.p9gate.gateway.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.fs.Operation;
import io.p9gate.gateway.proto.RMessage;
import io.p9gate.gateway.proto.TMessage;
import io.p9gate.gateway.proto.Wstats;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Twstat touching no field (stat(5)'s sync request; the Linux client's fsync(2) under 9P2000 and .u) was answered
 * Rwstat before any decision, so a guest had a request the log never saw, and a .u guest's fsync(2) synced nothing.
 * Now it is decided and recorded: the Tfsync it asks for through an open fid, a Tgetattr through any other.
 */
class UnrecordedSyncWstatAttackTest {
    private static final int OWRITE = 1;

    @TempDir
    Path tmp;

    @Test
    void aSyncWstatIsDecidedAndRecorded() throws Exception {
        try (HostShareGateway gw = HostShareGateway.serving(tmp, "hidden: [/vault]", "data")) {
            Files.writeString(gw.share("data").resolve("f"), "x");
            try (P9Client guest = P9Client.connect(UnixDomainSocketAddress.of(gw.socket), 65536)) {
                guest.version(65536, "9P2000.u");
                guest.attach(0, "root", "data", 0);
                guest.walk(0, 1, "f");
                guest.walk(0, 2, "f");
                guest.rpc(new TMessage.Topen(2, OWRITE));

                assertEquals(List.of(Operation.GETATTR), syncRecords(gw, guest, 1), "through a walked fid");
                assertEquals(List.of(Operation.FSYNC), syncRecords(gw, guest, 2), "through a fid open for writing");
            }
        }
    }

    /** The operations recorded for one sync wstat (a .u one, as the Linux client sends) through {@code fid}. */
    private static List<Operation> syncRecords(HostShareGateway gw, P9Client guest, int fid) throws Exception {
        int before = gw.records.size();
        assertEquals(
                RMessage.Rwstat.class,
                guest.rpc(Wstats.unix(fid, Wstats.common(-1, "", -1, -1, -1L, ""), -1, -1))
                        .getClass());
        return gw.records.subList(before, gw.records.size()).stream()
                .filter(r -> r.request().paths().equals(List.of("f")))
                .map(r -> r.request().operation())
                .distinct()
                .toList();
    }
}
