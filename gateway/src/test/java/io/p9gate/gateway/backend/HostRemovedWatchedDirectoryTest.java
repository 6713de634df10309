package io.p9gate.gateway.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.p9gate.gateway.budget.VmBudget;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The host removes directories a share watches: each watch's IN_IGNORED gives its place back, counted once, in the
 * share's count, the gateway's and the kernel's alike; none outlives its directory.
 */
class HostRemovedWatchedDirectoryTest {
    @TempDir
    Path tmp;

    @Test
    void aDirectoryTheHostRemovedHoldsNoWatch() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("share/pub/d/e"));
        ShareRoot share = ShareRoot.open(tmp.resolve("share"), new QidMapper());
        share.watchMoves();
        try {
            ScopedValue.where(VmBudget.CURRENT, VmBudget.unlimited("host-removes"))
                    .call(() -> {
                        int before = HostMoves.watches();
                        try (Node root = share.root();
                                Node pub = share.lookup(root, "pub");
                                Node d = share.lookup(pub, "d");
                                Node _ = share.lookup(d, "e")) {
                            assertEquals(3, HostMoves.watchedBy(share), "root, pub and d watched");
                        }
                        Files.delete(dir);
                        Files.delete(dir.getParent());
                        ShareRoot.awaitHostMovesSeen();
                        assertEquals(2, HostMoves.watchedBy(share), "the share's watches of directories the host left");
                        assertEquals(before + 2, HostMoves.watches(), "the gateway's watches");
                        assertEquals(
                                HostMoves.watchesCounted(), HostMoves.kernelWatchesForTests(), "counted as the kernel");
                        return null;
                    });
        } finally {
            share.close();
        }
    }
}
