package io.p9gate.gateway.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.fail;

import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.fs.NoAudit;
import io.p9gate.gateway.policyadapter.PolicyListeners;
import io.p9gate.gateway.policyadapter.PolicyServed;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.server.Gateway;
import io.p9gate.gateway.server.GatewayConfig;
import io.p9gate.gateway.wiring.ShareServerFactory;
import io.p9gate.policy.PolicyHolder;
import java.net.UnixDomainSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red team (R-CONF-1, across a restart): shares may nest, and every start opens a share's directory by its path,
 * following symlinks. VM alpha's writable share {@code srv} is to hold the directory of beta's share, {@code
 * srv/vms/beta}, which does not exist yet (beta is added to the image later). Alpha makes {@code vms/beta} (or {@code
 * vms}) a symlink to a host directory no policy shares; the start that adds beta followed it and served that host
 * directory to beta. Renaming an existing share directory away was already EBUSY ({@link
 * NestedShareRootSwapAttackTest}); this is the directory that was never there. A share's path is now resolved without
 * following any symlink that lies inside a share's directory: such a start is refused, naming both shares and the
 * symlink.
 */
class NestedShareSymlinkAttackTest {
    @TempDir
    Path tmp;

    private Path outer;
    private Path hostOnly;

    @BeforeEach
    void hostOnlyDirectory() throws Exception {
        outer = Files.createDirectories(tmp.resolve("srv"));
        hostOnly = Files.createDirectories(tmp.resolve("host-only"));
        Files.writeString(hostOnly.resolve("token"), "host secret");
        Files.createDirectories(hostOnly.resolve("beta"));
        Files.writeString(hostOnly.resolve("beta/token"), "host secret");
    }

    @Test
    void aSymlinkPlantedWhereAnotherSharesDirectoryWillBeIsNotFollowed() throws Exception {
        serve(policy(null), alpha -> {
            alpha.mkdir(0, "vms", 0755, 0);
            alpha.walk(0, 1, "vms");
            alpha.symlink(1, "beta", hostOnly.toString(), 0);
        });

        Path beta = outer.resolve("vms/beta");
        IllegalArgumentException e = refusedStart(policy(beta));
        assertEquals(
                "share 'data' of VM 'beta' (" + beta + ") lies inside share 'outer' of VM 'alpha' (" + outer
                        + "), whose guests can make symlinks: " + beta + " is a symlink; refusing to follow it",
                e.getMessage());
    }

    @Test
    void aSymlinkPlantedOnTheWayToAnotherSharesDirectoryIsNotFollowed() throws Exception {
        serve(policy(null), alpha -> alpha.symlink(0, "vms", hostOnly.toString(), 0));

        IllegalArgumentException e = refusedStart(policy(outer.resolve("vms/beta")));
        assertEquals(
                true,
                e.getMessage().endsWith(outer.resolve("vms") + " is a symlink; refusing to follow it"),
                e.getMessage());
    }

    @Test
    void anAdminSymlinkIntoAnotherShareFollowsNoGuestSymlinkThere() throws Exception {
        serve(policy(null), alpha -> {
            alpha.mkdir(0, "vms", 0755, 0);
            alpha.walk(0, 1, "vms");
            alpha.symlink(1, "beta", hostOnly.toString(), 0);
        });
        // The admin's symlink, outside every share, leads into alpha's share: the last hop is still alpha's.
        Path viaAdmin = Files.createSymbolicLink(tmp.resolve("beta-link"), outer.resolve("vms/beta"));

        IllegalArgumentException e = refusedStart(policy(viaAdmin));
        assertEquals(
                true,
                e.getMessage().endsWith(outer.resolve("vms/beta") + " is a symlink; refusing to follow it"),
                e.getMessage());
    }

    @Test
    void aVmCannotRedirectItsOwnNestedShareEither() throws Exception {
        serve(policy(null), alpha -> alpha.symlink(0, "inner", hostOnly.toString(), 0));
        Path inner = outer.resolve("inner");
        Path both = tmp.resolve("same-vm.yaml");
        Files.writeString(both, """
                image: nested
                vms:
                  alpha:
                    listen: unix:%s
                    shares:
                      inner: {path: %s, access: read-only}
                      outer: {path: %s, access: read-only}
                """.formatted(tmp.resolve("alpha.sock"), inner, outer));

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> serve(both, alpha -> {}));
        assertEquals(
                "share 'inner' of VM 'alpha' (" + inner + ") lies inside share 'outer' of VM 'alpha' (" + outer
                        + "), whose guests can make symlinks: " + inner + " is a symlink; refusing to follow it",
                e.getMessage());
    }

    @Test
    void theAdminsSymlinksAboveTheOuterShareAreStillFollowed() throws Exception {
        Path real = Files.createDirectories(outer.resolve("vms/beta"));
        Files.writeString(real.resolve("token"), "beta's own");
        outer = Files.createSymbolicLink(tmp.resolve("srv-link"), tmp.resolve("srv"));

        serve(policy(outer.resolve("vms/beta")), alpha -> {
            try (P9Client beta = P9Client.open(UnixDomainSocketAddress.of(tmp.resolve("beta.sock")), 65536)) {
                beta.attach(0, "root", "data", 0);
                beta.walk(0, 1, "token");
                beta.lopen(1, 0);
                assertEquals("beta's own", new String(beta.read(1, 0, 100), StandardCharsets.UTF_8));
            }
        });
    }

    /** The start that adds beta's share: refused, or beta must not see the host-only directory. */
    private IllegalArgumentException refusedStart(Path policy) {
        return assertThrows(
                IllegalArgumentException.class,
                () -> serve(policy, alpha -> {
                    try (P9Client beta = P9Client.open(UnixDomainSocketAddress.of(tmp.resolve("beta.sock")), 65536)) {
                        beta.attach(0, "root", "data", 0);
                        beta.walk(0, 1, "token");
                        beta.lopen(1, 0);
                        fail("beta read host-only: " + new String(beta.read(1, 0, 100), StandardCharsets.UTF_8));
                    } catch (P9Exception e) {
                        fail("started, and beta's share is not the host directory: " + e.getMessage());
                    }
                }));
    }

    /** Alpha's writable share {@code srv}; with {@code beta}, beta's share {@code data} there. */
    private Path policy(Path beta) throws Exception {
        String betaVm = beta == null ? "" : """
                  beta:
                    listen: unix:%s
                    shares:
                      data: {path: %s, access: read-write}
                """.formatted(tmp.resolve("beta.sock"), beta);
        Path policy = tmp.resolve(beta == null ? "alpha.yaml" : "both.yaml");
        Files.writeString(policy, """
                image: nested
                vms:
                  alpha:
                    listen: unix:%s
                    shares:
                      outer: {path: %s, access: read-write}
                """.formatted(tmp.resolve("alpha.sock"), outer) + betaVm);
        return policy;
    }

    @FunctionalInterface
    private interface Session {
        void run(P9Client alpha) throws Exception;
    }

    /** One run of the gateway (a start, alpha's requests, a stop), as after a restart. */
    private void serve(Path policy, Session session) throws Exception {
        PolicyHolder holder = PolicyHolder.load(policy);
        ShareServerFactory shares = PolicyServed.shares(holder, new NoAudit());
        Gateway gateway = Gateway.start(
                new GatewayConfig(PolicyListeners.of(holder.current()), shares, GatewayConfig.DEFAULT_MSIZE, 4));
        try (P9Client alpha = P9Client.open(UnixDomainSocketAddress.of(tmp.resolve("alpha.sock")), 65536)) {
            alpha.attach(0, "root", "outer", 0);
            session.run(alpha);
        } finally {
            gateway.close();
            shares.close();
        }
    }
}
