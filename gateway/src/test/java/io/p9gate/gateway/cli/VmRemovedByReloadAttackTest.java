package io.p9gate.gateway.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.policyadapter.PolicyFixture;
import io.p9gate.gateway.policyadapter.PolicyReloader;
import io.p9gate.gateway.policyadapter.PolicyServed;
import io.p9gate.gateway.proto.RMessage;
import io.p9gate.gateway.proto.TMessage;
import io.p9gate.gateway.server.Gateway;
import io.p9gate.gateway.server.GatewayConfig;
import io.p9gate.gateway.wiring.ShareServerFactory;
import io.p9gate.policy.PolicyHolder;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red team (R-POL-7, R-ROB-2): the integrator removes VM alpha from the policy while alpha is connected, holding an
 * open file and a write lock on a file of a directory VM beta shares. Before, the reload left alpha's connection
 * open: every request of alpha was refused, but its session, and so its lock, lived on as long as alpha's guest
 * chose, and beta's Tlock on the file stayed blocked. The reload now closes the connections of VMs it removed: their
 * sessions end as on a disconnect (recorded, fids and locks released), and the listener's next session has no shares.
 */
@Timeout(60)
class VmRemovedByReloadAttackTest {
    private static final int O_RDWR = 2;
    private static final byte F_WRLCK = 1;
    private static final int LOCK_SUCCESS = 0;

    @TempDir
    Path tmp;

    private String policy(boolean withAlpha) {
        String alpha = vm("alpha");
        return "image: test\nvms:\n" + (withAlpha ? alpha : "") + vm("beta");
    }

    private String vm(String name) {
        return """
                  %s:
                    listen: unix:%s
                    shares:
                      data: {path: %s, access: read-write}
                """.formatted(name, tmp.resolve(name + ".sock"), tmp.resolve("data"));
    }

    @Test
    void aVmRemovedByAReloadIsDisconnectedAndItsLocksReleased() throws Exception {
        Files.createDirectories(tmp.resolve("data"));
        Files.writeString(tmp.resolve("data/f"), "hello");
        Path file = tmp.resolve("policy.yaml");
        Files.writeString(file, policy(true));
        PolicyHolder holder = PolicyHolder.load(file);
        PolicyReloader reloader = new PolicyReloader(holder);
        LifecycleRecords trail = new LifecycleRecords();
        try (ShareServerFactory shares = PolicyServed.shares(holder, trail);
                Gateway gateway = PolicyFixture.serve(
                        holder, shares, PolicyServe.budgets(holder, reloader, Map.of(), GatewayConfig.DEFAULT_MSIZE));
                P9Client alpha = P9Client.open(UnixDomainSocketAddress.of(tmp.resolve("alpha.sock")), 65536);
                P9Client beta = P9Client.open(UnixDomainSocketAddress.of(tmp.resolve("beta.sock")), 65536)) {
            PolicyServe.closeRemovedVms(holder, reloader, gateway, new PrintWriter(new StringWriter()));
            alpha.attach(0, "root", "data", 0);
            alpha.walk(0, 1, "f");
            alpha.lopen(1, O_RDWR);
            assertEquals(LOCK_SUCCESS, lock(alpha, 1, "alpha"), "alpha holds the write lock");

            Files.writeString(file, policy(false));
            assertInstanceOf(PolicyHolder.ReloadResult.Loaded.class, reloader.reload());

            assertThrows(IOException.class, () -> alpha.getattr(1, 0x7ff), "alpha's connection is closed");
            while (!trail.sessionClosed("alpha")) {
                Thread.onSpinWait(); // its session ends on its lane, after the socket: then its locks are gone
            }
            beta.attach(0, "root", "data", 0);
            beta.walk(0, 1, "f");
            beta.lopen(1, O_RDWR);
            assertEquals(LOCK_SUCCESS, lock(beta, 1, "beta"), "beta takes the lock alpha held");
        }
        assertEquals("hello", Files.readString(tmp.resolve("data/f")));
    }

    private static int lock(P9Client client, int fid, String owner) throws Exception {
        RMessage.Rlock reply = (RMessage.Rlock) client.rpc(new TMessage.Tlock(fid, F_WRLCK, 0, 0, 0, 1, owner));
        return reply.status();
    }
}
