package io.p9gate.gateway.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.fs.NoAudit;
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
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red team (R-CONF-1, across a restart): shares may nest ("one inside the other", docs/architecture.md), and a share
 * directory is opened by its path at every start, following symlinks. VM alpha, whose writable share holds the
 * directory of beta's share ({@code vms/beta}), renamed {@code vms} away, made a new {@code vms} and put a symlink
 * {@code vms/beta} to a host directory outside every share there. After the next restart beta's share was that
 * host directory: beta read (and could write) host files no policy shares. Removing or renaming an empty share
 * root, and planting the symlink in its place, did the same. The directory of an open share, and every directory
 * above it, is a mount point to its guests: a rename or rmdir of one through the gateway is EBUSY, as the kernel
 * answers for a mount point.
 */
class NestedShareRootSwapAttackTest {
    private static final int AT_REMOVEDIR = 0x200;

    @TempDir
    Path tmp;

    @Test
    void aVmCannotSwapAnotherSharesDirectoryForAHostDirectory() throws Exception {
        Path outer = Files.createDirectories(tmp.resolve("srv"));
        Path inner = Files.createDirectories(outer.resolve("vms/beta"));
        Path hostOnly = Files.createDirectories(tmp.resolve("host-only"));
        Files.writeString(hostOnly.resolve("token"), "host secret");
        Path policy = tmp.resolve("policy.yaml");
        Files.writeString(policy, """
                image: nested
                vms:
                  alpha:
                    listen: unix:%s
                    shares:
                      outer: {path: %s, access: read-write}
                  beta:
                    listen: unix:%s
                    shares:
                      data: {path: %s, access: read-write}
                """.formatted(tmp.resolve("alpha.sock"), outer, tmp.resolve("beta.sock"), inner));

        List<Errno> refused = new ArrayList<>();
        serve(policy, (alpha, beta) -> {
            alpha.walk(0, 1, "vms");
            refused.add(attempt(() -> alpha.unlinkat(1, "beta", AT_REMOVEDIR)));
            refused.add(attempt(() -> alpha.renameat(1, "beta", 1, "beta.old")));
            refused.add(attempt(() -> alpha.renameat(0, "vms", 0, "vms.old")));
            // Whatever was allowed above, plant the symlink where beta's share directory is looked up.
            attempt(() -> alpha.mkdir(0, "vms", 0755, 0));
            alpha.walk(0, 2, "vms");
            attempt(() -> alpha.symlink(2, "beta", hostOnly.toString(), 0));
        });

        serve(policy, (alpha, beta) -> {
            P9Exception e = assertThrows(P9Exception.class, () -> beta.walk(0, 1, "token"), "beta reached host-only");
            assertEquals(Errno.ENOENT, e.errno());
        });
        assertEquals(List.of(Errno.EBUSY, Errno.EBUSY, Errno.EBUSY), refused, "rmdir, rename of the root, of above");
        assertEquals(List.of(), listing(inner), "beta's share directory is still where its policy says");
    }

    private static List<String> listing(Path dir) throws Exception {
        try (var s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).toList();
        }
    }

    @FunctionalInterface
    private interface Call {
        void run() throws Exception;
    }

    private static Errno attempt(Call call) throws Exception {
        try {
            call.run();
            return null;
        } catch (P9Exception e) {
            return e.errno();
        }
    }

    @FunctionalInterface
    private interface Session {
        void run(P9Client alpha, P9Client beta) throws Exception;
    }

    /** One run of the gateway (a start, the guests' requests, a stop), as after a restart. */
    private void serve(Path policy, Session session) throws Exception {
        PolicyHolder holder = PolicyHolder.load(policy);
        ShareServerFactory shares = PolicyServed.shares(holder, new NoAudit());
        Gateway gateway = Gateway.start(
                new GatewayConfig(PolicyListeners.of(holder.current()), shares, GatewayConfig.DEFAULT_MSIZE, 4));
        try (P9Client alpha = P9Client.open(UnixDomainSocketAddress.of(tmp.resolve("alpha.sock")), 65536);
                P9Client beta = P9Client.open(UnixDomainSocketAddress.of(tmp.resolve("beta.sock")), 65536)) {
            alpha.attach(0, "root", "outer", 0);
            beta.attach(0, "root", "data", 0);
            session.run(alpha, beta);
        } finally {
            gateway.close();
            shares.close();
        }
    }
}
