package io.p9gate.gateway.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.fs.AuditEntry;
import io.p9gate.gateway.policyadapter.PolicyListeners;
import io.p9gate.gateway.policyadapter.PolicyServed;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.server.Gateway;
import io.p9gate.gateway.server.GatewayConfig;
import io.p9gate.gateway.wiring.ShareServerFactory;
import io.p9gate.policy.PolicyHolder;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red team of issue 8 (R-POL-5, "mapped ids out of range"): 9P ids are u32, and the id map reads them so (guest
 * 4294967294 maps to the overflow id), but hand-written Cedar got them sign-extended: a guest attaching with
 * n_uname 4294967294 was uid -2 to Cedar. A rule keeping users without a mapping out ({@code context.uid >= 65534})
 * let it create files while the same user mapped to the host's overflow id. Cedar sees the guest's ids as the
 * unsigned numbers they are.
 */
class UnsignedGuestIdAttackTest {
    private static final int O_WRONLY = 1;

    @TempDir
    Path tmp;

    @Test
    void aGuestIdAbove2To31IsThatNumberToCedar() throws Exception {
        Path share = Files.createDirectories(tmp.resolve("share"));
        Path socket = tmp.resolve("vm.sock");
        Files.writeString(tmp.resolve("ids.cedar"), """
                @id("no-unmapped-users")
                @errno("EACCES")
                forbid (principal == P9gate::Vm::"vm", action == P9gate::Action::"CREATE", resource)
                when { context.uid >= 65534 };
                """);
        Files.writeString(tmp.resolve("policy.yaml"), """
                image: ids
                cedar: [ids.cedar]
                vms:
                  vm:
                    listen: unix:%s
                    ids:
                      uid: {ranges: [{guest: 0, host: 100000, count: 65534}]}
                    shares:
                      data:
                        path: %s
                        access: read-write
                """.formatted(socket, share));
        PolicyHolder holder = PolicyHolder.load(tmp.resolve("policy.yaml"));
        List<AuditEntry> records = new CopyOnWriteArrayList<>();
        try (ShareServerFactory shares = PolicyServed.shares(holder, entry -> {
                    records.add(entry);
                    return records.size();
                });
                Gateway _ = Gateway.start(new GatewayConfig(
                        PolicyListeners.of(holder.current()), shares, GatewayConfig.DEFAULT_MSIZE, 2));
                P9Client guest = P9Client.open(UnixDomainSocketAddress.of(socket), 65536)) {
            guest.attach(0, "u", "data", 1000);
            guest.attach(1, "u", "data", 0xFFFF_FFFE);
            guest.walk(0, 2);
            guest.lcreate(2, "by-1000", O_WRONLY, 0644, 0);
            guest.walk(1, 3);
            P9Exception e = assertThrows(P9Exception.class, () -> guest.lcreate(3, "by-4294967294", O_WRONLY, 0644, 0));
            assertEquals(Errno.EACCES, e.errno());
            assertEquals(
                    List.of("no-unmapped-users"), records.getLast().decision().ruleIds());
        }
        assertTrue(Files.exists(share.resolve("by-1000")));
        assertFalse(Files.exists(share.resolve("by-4294967294")));
    }
}
