package io.p9gate.gateway.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.fs.AccessPolicy;
import io.p9gate.gateway.fs.Decision;
import io.p9gate.gateway.fs.NoAudit;
import io.p9gate.gateway.fs.Operation;
import io.p9gate.gateway.server.Gateway;
import io.p9gate.gateway.server.GatewayConfig;
import io.p9gate.gateway.server.ListenSpec;
import io.p9gate.gateway.wiring.ShareServerFactory;
import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * R-ROB-2: a VM whose share decides by path (a hidden subtree) walks into ten directories, each one watched, and
 * disconnects. Its watches held on, counting it in the fair part of the gateway's watches (backend.WatchBudget) and
 * leaving every VM still connected less, until the gateway stopped. Its last session's end gives them up; its next
 * session watches anew.
 */
class DisconnectedVmWatchesAttackTest {
    @TempDir
    Path tmp;

    @Test
    void aDisconnectedVmsWatchesAreReleased() throws Exception {
        long before = HostShareGateway.kernelWatches();
        try (HostShareGateway gw = HostShareGateway.serving(tmp, "hidden: [/vault]", "data")) {
            Path share = gw.share("data");
            for (int i = 0; i < 10; i++) {
                Files.createDirectories(share.resolve("pub/d" + i));
                Files.writeString(share.resolve("pub/d" + i + "/f"), "public");
            }
            try (P9Client vm = gw.attached("data", 0)) {
                for (int i = 0; i < 10; i++) {
                    vm.walk(0, 1 + i, "pub", "d" + i, "f");
                }
                assertTrue(
                        HostShareGateway.kernelWatches() - before >= 10,
                        "walks watched: " + (HostShareGateway.kernelWatches() - before));
            }
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (HostShareGateway.kernelWatches() > before && System.nanoTime() < deadline) {
                Thread.sleep(20); // a poll, bounded by the deadline
            }
            assertEquals(
                    before, HostShareGateway.kernelWatches(), "watches the disconnected VM still holds in the kernel");
            try (P9Client again = gw.attached("data", 0)) {
                again.walk(0, 1, "pub", "d0", "f");
                assertTrue(HostShareGateway.kernelWatches() - before >= 3, "a new session's walk watches anew");
            }
        }
    }

    /**
     * A reload that takes one share from a VM which stays connected through another: the share's watches went only
     * when the VM's last session ended. No session can attach it again, so the reload gives them up.
     */
    @Test
    void aShareTheReloadTookAwayGivesUpItsWatches() throws Exception {
        long before = HostShareGateway.kernelWatches();
        try (HostShareGateway gw = HostShareGateway.serving(tmp, "hidden: [/vault]", "data", "other")) {
            Path share = gw.share("data");
            for (int i = 0; i < 10; i++) {
                Files.createDirectories(share.resolve("pub/d" + i));
                Files.writeString(share.resolve("pub/d" + i + "/f"), "public");
            }
            try (P9Client stays = gw.attached("other", 0)) {
                stays.walk(0, 1);
                try (P9Client vm = gw.attached("data", 0)) {
                    for (int i = 0; i < 10; i++) {
                        vm.walk(0, 1 + i, "pub", "d" + i, "f");
                    }
                }
                long held = HostShareGateway.kernelWatches() - before;
                assertTrue(held >= 10, "walks watched: " + held);
                takeDataAway(gw);
                // The share was its instance's last: stopped, its reader thread closes the descriptor, and closing
                // removes the watches, a moment after the reload (full suite at load: 12 of 12 still held at once).
                long left = HostShareGateway.kernelWatches() - before;
                for (long end = System.nanoTime() + Duration.ofSeconds(10).toNanos();
                        left > 2 && System.nanoTime() < end;
                        left = HostShareGateway.kernelWatches() - before) {
                    Thread.sleep(20);
                }
                assertTrue(left <= 2, "watches the share taken away still holds: " + left + " of " + held);
            }
        }
    }

    /**
     * A request of the share, decided before the reload took it away and still running after the reload gave up the
     * share's watches, watched the directory it made its entry in: held until the VM's last session ended, however
     * long the VM stays connected through its other share, while no session can attach the share again. Held here
     * between its decision and its backend call by the audit record it writes first (a Tmkdir's intent).
     */
    @Test
    void aRequestInFlightAsTheReloadTakesItsShareAwayKeepsNoWatch() throws Exception {
        try (HostShareGateway gw = HostShareGateway.serving(tmp, "hidden: [/vault]", "data", "other");
                ExecutorService guest = Executors.newSingleThreadExecutor()) {
            Files.createDirectories(gw.share("data").resolve("pub"));
            try (P9Client stays = gw.attached("other", 0)) {
                stays.walk(0, 1);
                long before = HostShareGateway.kernelWatches();
                CountDownLatch decided = new CountDownLatch(1);
                CountDownLatch reloaded = new CountDownLatch(1);
                gw.recording = entry -> {
                    if (entry.request().operation() == Operation.MKDIR) {
                        decided.countDown();
                        awaitQuietly(reloaded);
                    }
                };
                try (P9Client vm = gw.attached("data", 0)) {
                    vm.walk(0, 1, "pub");
                    Future<?> mkdir = guest.submit(() -> vm.mkdir(1, "new", 0755, 0));
                    assertTrue(decided.await(10, TimeUnit.SECONDS), "the Tmkdir was decided");
                    takeDataAway(gw);
                    reloaded.countDown();
                    try {
                        mkdir.get(10, TimeUnit.SECONDS);
                    } catch (ExecutionException refusedOrNot) {
                        // what matters is the watch it left
                    }
                }
                assertEquals(
                        before,
                        HostShareGateway.kernelWatches(),
                        "watches of the share taken away, added by its request still in flight");
            }
        }
    }

    /** A later reload that gives the share back: its walks watch again, their paths remembered as before. */
    @Test
    void aShareGivenBackByALaterReloadWatchesAgain() throws Exception {
        try (HostShareGateway gw = HostShareGateway.serving(tmp, "hidden: [/vault]", "data", "other")) {
            Files.createDirectories(gw.share("data").resolve("pub/d"));
            String served = Files.readString(gw.policyFile);
            try (P9Client stays = gw.attached("other", 0)) {
                stays.walk(0, 1);
                takeDataAway(gw);
                Files.writeString(gw.policyFile, served);
                gw.reload();
                long before = HostShareGateway.kernelWatches();
                try (P9Client vm = gw.attached("data", 0)) {
                    vm.walk(0, 1, "pub", "d");
                    assertTrue(
                            HostShareGateway.kernelWatches() - before >= 2, "the walk of the share given back watched");
                }
            }
        }
    }

    /**
     * Without a policy file every listener's sessions share one share, whose directory is no VM's ({@code
     * ShareDir.EVERY_VM}); a policy that decides by path (any not known otherwise) has it watch. Its watches went with
     * no VM's last session, since no VM's name is the share's: held until the gateway stopped.
     */
    @Test
    void aShareOfEveryListenerGivesUpItsWatchesWithTheLastSession() throws Exception {
        Path open = Files.createDirectories(tmp.resolve("open/pub/d"));
        Path socket = tmp.resolve("open.sock");
        AccessPolicy byPath = request -> Decision.allow(List.of("by-path"));
        long before = HostShareGateway.kernelWatches();
        try (ShareServerFactory shares =
                        new ShareServerFactory(Map.of("data", open.getParent().getParent()), byPath, new NoAudit());
                Gateway _ = Gateway.start(new GatewayConfig(
                        List.of(new ListenSpec.Unix(socket)), shares, GatewayConfig.DEFAULT_MSIZE, 2))) {
            try (P9Client vm = P9Client.open(UnixDomainSocketAddress.of(socket), 65536)) {
                vm.attach(0, "u", "data", 0);
                vm.walk(0, 1, "pub", "d");
                assertTrue(HostShareGateway.kernelWatches() - before >= 2, "the walk watched");
            }
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (HostShareGateway.kernelWatches() > before && System.nanoTime() < deadline) {
                Thread.sleep(20); // a poll, bounded by the deadline: the session ends on the gateway's loop
            }
            assertEquals(before, HostShareGateway.kernelWatches(), "watches held after the last session ended");
        }
    }

    /** Serves the policy without share "data" (the first of "data" and "other"), as serve does after a reload. */
    private static void takeDataAway(HostShareGateway gw) throws IOException {
        String policy = Files.readString(gw.policyFile);
        int data = policy.indexOf("      data:\n");
        int other = policy.indexOf("      other:\n");
        assertTrue(data >= 0 && other > data, policy);
        Files.writeString(gw.policyFile, policy.substring(0, data) + policy.substring(other));
        gw.reload();
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
