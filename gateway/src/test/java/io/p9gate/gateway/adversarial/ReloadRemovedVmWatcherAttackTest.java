package io.p9gate.gateway.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.client.P9Client;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * R-ROB-2: a reload that removes a VM (here: the policy's only VM replaced by another) took its shares away, giving
 * up their watches, but left the VM's inotify instance open and its reader thread running, empty, until the gateway
 * stopped: each VM a reload removes kept one of the host user's {@code fs.inotify.max_user_instances} (128 by
 * default), past which no VM's host moves are watched. Added back and removed again, five times over: every removal
 * ends the VM's reader and closes its instance; every walk after an addition watches again.
 */
class ReloadRemovedVmWatcherAttackTest {
    private static final String READER = "p9gate-host-moves-";

    @TempDir
    Path tmp;

    @Test
    void aVmRemovedByAReloadKeepsNoWatcher() throws Exception {
        long instancesBefore = HostShareGateway.inotifyInstances();
        List<Thread> readersBefore = readers();
        try (HostShareGateway gw = HostShareGateway.serving(tmp, "hidden: [/vault]", "data", "other")) {
            Files.createDirectories(gw.share("data").resolve("pub/d"));
            String served = Files.readString(gw.policyFile);
            String removed = served.replace("  guest:\n", "  keeper:\n")
                    .replace(gw.socket.toString(), tmp.resolve("keeper.sock").toString());
            assertTrue(!removed.contains("  guest:\n") && removed.contains("  keeper:\n"), removed);
            for (int round = 0; round < 5; round++) {
                try (P9Client vm = gw.attached("data", 0)) {
                    long watchesBefore = HostShareGateway.kernelWatches();
                    vm.walk(0, 1, "pub", "d");
                    assertTrue(
                            HostShareGateway.kernelWatches() - watchesBefore >= 2,
                            "round " + round + ": the walk watched");
                }
                List<Thread> readers = started(readersBefore);
                assertEquals(1, readers.size(), "round " + round + ": the VM's reader");

                Files.writeString(gw.policyFile, removed);
                gw.reload();
                readers.getFirst().join(10_000);
                assertEquals(
                        List.of(),
                        started(readersBefore),
                        "round " + round + ": readers of the removed VM still running");
                assertEquals(
                        instancesBefore,
                        HostShareGateway.inotifyInstances(),
                        "round " + round + ": inotify instances the removed VM still holds");

                Files.writeString(gw.policyFile, served);
                gw.reload();
            }
        }
    }

    private static List<Thread> readers() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith(READER) && t.isAlive())
                .toList();
    }

    private static List<Thread> started(List<Thread> before) {
        return readers().stream().filter(t -> !before.contains(t)).toList();
    }
}
