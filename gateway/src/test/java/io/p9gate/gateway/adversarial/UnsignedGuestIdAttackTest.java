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
import io.p9gate.policy.DecisionRequest;
import io.p9gate.policy.PolicyDecision;
import io.p9gate.policy.PolicyEngine;
import io.p9gate.policy.PolicyHolder;
import io.p9gate.policy.terms.OpKind;
import io.p9gate.policy.terms.SharePath;
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

    /** A guest of a gateway serving VM "vm" (share "data", a read-write {@code share}) under {@code cedar}. */
    private interface Guest {
        void run(P9Client guest, List<AuditEntry> records) throws Exception;
    }

    private void served(Path share, String cedar, String ids, Guest guestRun) throws Exception {
        Path socket = tmp.resolve("vm.sock");
        Files.writeString(tmp.resolve("ids.cedar"), cedar);
        Files.writeString(tmp.resolve("policy.yaml"), """
                image: ids
                cedar: [ids.cedar]
                vms:
                  vm:
                    listen: unix:%s
                    ids:
                %s
                    shares:
                      data:
                        path: %s
                        access: read-write
                """.formatted(socket, ids, share));
        PolicyHolder holder = PolicyHolder.load(tmp.resolve("policy.yaml"));
        engine = holder.current();
        List<AuditEntry> records = new CopyOnWriteArrayList<>();
        try (ShareServerFactory shares = PolicyServed.shares(holder, entry -> {
                    records.add(entry);
                    return records.size();
                });
                Gateway _ = Gateway.start(new GatewayConfig(
                        PolicyListeners.of(holder.current()), shares, GatewayConfig.DEFAULT_MSIZE, 2));
                P9Client guest = P9Client.open(UnixDomainSocketAddress.of(socket), 65536)) {
            guestRun.run(guest, records);
        }
    }

    private PolicyEngine engine;

    @Test
    void aGuestIdAbove2To31IsThatNumberToCedar() throws Exception {
        Path share = Files.createDirectories(tmp.resolve("share"));
        served(share, """
                @id("no-unmapped-users")
                @errno("EACCES")
                forbid (principal == P9gate::Vm::"vm", action == P9gate::Action::"CREATE", resource)
                when { context.uid >= 65534 };
                """, "      uid: {ranges: [{guest: 0, host: 100000, count: 65534}]}", (guest, records) -> {
            guest.attach(0, "u", "data", 1000);
            guest.attach(1, "u", "data", 0xFFFF_FFFE);
            guest.walk(0, 2);
            guest.lcreate(2, "by-1000", O_WRONLY, 0644, 0);
            guest.walk(1, 3);
            P9Exception e = assertThrows(P9Exception.class, () -> guest.lcreate(3, "by-4294967294", O_WRONLY, 0644, 0));
            assertEquals(Errno.EACCES, e.errno());
            assertEquals(
                    List.of("no-unmapped-users"), records.getLast().decision().ruleIds());
        });
        assertTrue(Files.exists(share.resolve("by-1000")));
        assertFalse(Files.exists(share.resolve("by-4294967294")));
    }

    /**
     * Tattach names no group, so a guest root's requests but its creates are decided and recorded with gid 65534,
     * never 0; {@code policy test} and {@code explain} ask a question without a gid so too
     * ({@link OpKind#defaultGid}): before, they asked gid 0, and told a rule on context.gid allowed root's walk.
     */
    @Test
    void guestRootsRequestsNamingNoGroupAreAskedAsGid65534AsThePolicyToolsAsk() throws Exception {
        Path share = Files.createDirectories(tmp.resolve("share"));
        Files.createDirectory(share.resolve("d"));
        String ids = "      uid: {ranges: [{guest: 0, host: 200000, count: 65536}]}\n"
                + "      gid: {ranges: [{guest: 0, host: 200000, count: 65536}]}";
        served(share, """
                @id("not-as-nobody") @errno("EACCES")
                forbid (principal, action == P9gate::Action::"WALK", resource in P9gate::Directory::"vm/data:/d")
                when { context.gid == 65534 };
                """, ids, (guest, records) -> {
            guest.attach(0, "root", "data", 0);
            guest.walk(0, 1);
            guest.lcreate(1, "made", O_WRONLY, 0644, 0);
            AuditEntry create = records.getLast();
            assertEquals(0, create.request().gid(), create.toString());
            assertEquals(200000, create.decision().hostIds().gid(), create.toString());
            P9Exception e = assertThrows(P9Exception.class, () -> guest.walk(0, 2, "d"));
            assertEquals(Errno.EACCES, e.errno());
            AuditEntry walk = records.getLast();
            assertEquals(List.of("not-as-nobody"), walk.decision().ruleIds());
            assertEquals(0, walk.request().uid());
            assertEquals(65534, walk.request().gid());
            assertEquals(265534, walk.decision().hostIds().gid());
        });
        PolicyDecision asked = engine.decide(new DecisionRequest(
                "vm", "data", OpKind.WALK, SharePath.of("/d"), null, 0, OpKind.WALK.defaultGid(), false));
        assertEquals(List.of("not-as-nobody"), asked.ruleIds());
        assertTrue(engine.decide(new DecisionRequest(
                        "vm", "data", OpKind.CREATE, SharePath.of("/made"), null, 0, OpKind.CREATE.defaultGid(), false))
                .allowed());
    }
}
