package io.p9gate.gateway.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.client.P9Client;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * R-ROB-2: a VM whose share decides by path (a hidden subtree) connects, walks into new directories (each one
 * watched, HostMoves) and disconnects, again and again. Its inotify instance and reader thread belong to its shares,
 * which live as long as the gateway: reconnecting never starts another, and closing the gateway ends them.
 */
class HostMovesReconnectLifecycleTest {
    private static final int SESSIONS = 30;
    private static final String READER = "p9gate-host-moves-";

    @TempDir
    Path tmp;

    @Test
    void reconnectingVmsStartNoMoreInstancesAndTheGatewaysCloseEndsThem() throws Exception {
        List<Thread> before = readers();
        long inotifyBefore = HostShareGateway.inotifyInstances();
        List<Thread> started;
        try (HostShareGateway gw = HostShareGateway.serving(tmp, "hidden: [/vault]", "data")) {
            Path share = gw.share("data");
            Files.createDirectories(share.resolve("vault"));
            for (int i = 0; i < SESSIONS; i++) {
                Files.createDirectories(share.resolve("pub/d" + i));
                Files.writeString(share.resolve("pub/d" + i + "/f"), "public");
                try (P9Client vm = gw.attached("data", 0)) {
                    vm.walk(0, 1, "pub", "d" + i, "f");
                }
            }
            started = readers();
            started.removeAll(before);
            assertEquals(1, started.size(), "reader threads started for one VM's share over " + SESSIONS + " sessions");
            assertEquals(1, HostShareGateway.inotifyInstances() - inotifyBefore, "inotify instances opened");
        }
        for (Thread reader : started) {
            reader.join(10_000);
            assertFalse(reader.isAlive(), reader.getName() + " still runs after the gateway closed");
        }
        assertTrue(
                HostShareGateway.inotifyInstances() <= inotifyBefore,
                "inotify instances left open after the gateway closed");
    }

    private static List<Thread> readers() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith(READER) && t.isAlive())
                .collect(Collectors.toCollection(ArrayList::new));
    }
}
