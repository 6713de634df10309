package io.p9gate.gateway.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.session.FakeHandler;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
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

    /**
     * The staging directory stays, empty, while the listener is bound: a cleaner of an aged shared directory
     * (systemd-tmpfiles on /tmp removes empty directories not touched for days) removes it, and its name is free
     * again for the other user's symbolic link.
     */
    @Test
    void aListenerClosedAfterACleanerRemovedItsStagingDirectoryUnlinksNothingThroughIt() throws Exception {
        Path precious = Files.writeString(victim.resolve("s"), "not the gateway's");
        Gateway gateway = start();
        Path staging = boundStagingDirectory();
        Files.delete(staging); // the cleaner: an empty directory not touched for days
        Files.createSymbolicLink(staging, victim);
        gateway.close();
        assertKept(precious, true);
    }

    private static void assertKept(Path precious, boolean stagingNameTaken) throws IOException {
        assertTrue(
                Files.exists(precious),
                "another user's file unlinked; the staging name was " + (stagingNameTaken ? "" : "not ") + "taken");
        assertEquals("not the gateway's", Files.readString(precious));
    }

    /** The listener's staging directory, as any user who may list its directory (a shared /tmp) finds it. */
    private Path boundStagingDirectory() throws IOException {
        List<Path> staging;
        try (Stream<Path> entries = Files.list(dir)) {
            staging = entries.filter(p -> p.getFileName().toString().startsWith(".p9"))
                    .toList();
        }
        assertEquals(1, staging.size(), "one staging directory beside the socket: " + staging);
        return staging.getFirst();
    }

    /**
     * What another local user does: finds the listener's staging directory and, if its name is free, puts a symbolic
     * link there. Whether it could.
     */
    private boolean takeStagingName() throws IOException {
        Path staging = boundStagingDirectory();
        try {
            Files.createSymbolicLink(staging, victim);
            return true;
        } catch (FileAlreadyExistsException e) {
            assertTrue(Files.isDirectory(staging), "still the gateway's own directory");
            return false;
        }
    }
}
