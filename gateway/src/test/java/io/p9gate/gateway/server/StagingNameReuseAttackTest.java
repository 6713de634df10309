package io.p9gate.gateway.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.session.FakeHandler;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Unix listener is bound in a staging directory beside its path, and the server channel remembers that path:
 * closing it unlinks the path it was bound at. Any local user reads that path in /proc/net/unix. When the staging
 * directory was removed right after the link into place, another user of a shared directory (a sticky /tmp) put a
 * symbolic link of their own at its name, and the gateway, closing the listener (at exit, or when it bound a
 * deleted socket again), unlinked a file named {@code s} in a directory of the user's choice, with its own rights.
 */
class StagingNameReuseAttackTest {
    @TempDir
    Path dir;

    @TempDir
    Path victim;

    private Gateway start() throws IOException {
        return Gateway.start(new GatewayConfig(
                List.of(new ListenSpec.Unix(dir.resolve("vm.sock"))), new FakeHandler.Factory(), 8192, 2));
    }

    @Test
    void aListenerClosedAtExitUnlinksNothingThroughAStagingNameAnotherUserTook() throws Exception {
        Path precious = Files.writeString(victim.resolve("s"), "not the gateway's");
        Gateway gateway = start();
        boolean taken = takeStagingName();
        gateway.close();
        assertKept(precious, taken);
    }

    @Test
    void aListenerRetiredByARebindUnlinksNothingThroughAStagingNameAnotherUserTook() throws Exception {
        Path precious = Files.writeString(victim.resolve("s"), "not the gateway's");
        try (Gateway gateway = start()) {
            boolean taken = takeStagingName();
            Files.delete(dir.resolve("vm.sock")); // a cleaner of the directory
            gateway.checkSocketFiles();
            assertKept(precious, taken);
        }
    }

    private static void assertKept(Path precious, boolean stagingNameTaken) throws IOException {
        assertTrue(
                Files.exists(precious),
                "another user's file unlinked; the staging name was " + (stagingNameTaken ? "" : "not ") + "taken");
        assertEquals("not the gateway's", Files.readString(precious));
    }

    /**
     * What another local user does: finds the path the listener was bound at in /proc/net/unix and, if its staging
     * directory's name is free, puts a symbolic link there. Whether it could.
     */
    private boolean takeStagingName() throws IOException {
        String prefix = dir.toRealPath() + "/.p9";
        List<String> bound = Files.readAllLines(Path.of("/proc/net/unix")).stream()
                .map(line -> line.substring(line.lastIndexOf(' ') + 1))
                .filter(path -> path.startsWith(prefix) && path.endsWith("/s"))
                .toList();
        assertEquals(1, bound.size(), "the listener's bound path is visible in /proc/net/unix: " + bound);
        Path staging = Path.of(bound.getFirst()).getParent();
        try {
            Files.createSymbolicLink(staging, victim);
            return true;
        } catch (FileAlreadyExistsException e) {
            assertTrue(Files.isDirectory(staging), "still the gateway's own directory");
            return false;
        }
    }
}
