package io.p9gate.gateway.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.p9gate.gateway.client.P9Client;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a gateway opened for its shares must be released by its own close: an embedder that closes the gateway and
 * not the share factory it was given kept each VM's inotify instance, its reader thread and the share handles for the
 * rest of the process. A VM whose share decides by path (a hidden subtree) walks into directories, each one
 * watched, and is still connected when the gateway closes.
 */
class GatewayCloseReleasesWatchersAttackTest {
    private static final String READER = "p9gate-host-moves-";

    @TempDir
    Path tmp;

    @Test
    void closingTheGatewayStopsItsWatchers() throws Exception {
        long instancesBefore = HostShareGateway.inotifyInstances();
        List<Thread> readersBefore = readers();
        try (HostShareGateway gw = HostShareGateway.serving(tmp, "hidden: [/vault]", "data")) {
            Files.createDirectories(gw.share("data").resolve("pub/d"));
            P9Client vm = gw.attached("data", 0);
            vm.walk(0, 1, "pub", "d");
            List<Thread> started =
                    readers().stream().filter(t -> !readersBefore.contains(t)).toList();
            assertEquals(1, started.size(), "the VM's reader");
            assertEquals(instancesBefore + 1, HostShareGateway.inotifyInstances(), "the VM's inotify instance");

            gw.closeGateway(); // only the gateway's own, public close
            vm.close();
            started.getFirst().join(10_000);
            assertFalse(started.getFirst().isAlive(), "the VM's reader still runs after the gateway closed");
            assertEquals(
                    instancesBefore,
                    HostShareGateway.inotifyInstances(),
                    "inotify instances left open by the closed gateway");
        }
    }

    private static List<Thread> readers() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith(READER) && t.isAlive())
                .toList();
    }
}
