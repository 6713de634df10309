package io.p9gate.gateway.cli;

import static io.p9gate.gateway.cli.ReloadingGateway.LOCK_SUCCESS;
import static io.p9gate.gateway.cli.ReloadingGateway.openForWriting;
import static io.p9gate.gateway.cli.ReloadingGateway.writeLock;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.p9gate.gateway.client.P9Client;
import io.p9gate.policy.PolicyHolder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
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
        try (ReloadingGateway gateway = new ReloadingGateway(file);
                P9Client alpha = ReloadingGateway.connect(tmp.resolve("alpha.sock"));
                P9Client beta = ReloadingGateway.connect(tmp.resolve("beta.sock"))) {
            gateway.closeRemovedVms();
            openForWriting(alpha, "data", "f");
            assertEquals(LOCK_SUCCESS, writeLock(alpha, 1, "alpha"), "alpha holds the write lock");

            Files.writeString(file, policy(false));
            assertInstanceOf(PolicyHolder.ReloadResult.Loaded.class, gateway.reloader.reload());

            assertThrows(IOException.class, () -> alpha.getattr(1, 0x7ff), "alpha's connection is closed");
            gateway.awaitSessionClosed("alpha");
            openForWriting(beta, "data", "f");
            assertEquals(LOCK_SUCCESS, writeLock(beta, 1, "beta"), "beta takes the lock alpha held");
        }
        assertEquals("hello", Files.readString(tmp.resolve("data/f")));
    }
}
