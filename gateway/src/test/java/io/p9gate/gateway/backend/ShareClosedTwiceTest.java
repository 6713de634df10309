package io.p9gate.gateway.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A share closed twice (the gateway closes its share factory, and so did the callers that gave it one) while a fid
 * still holds its root, as when a request stuck on a hung mount outlived the gateway's wait: each close gave back
 * the share's own reference, the second one the fid's, and the root's descriptor was closed under the fid; its
 * number, reused by the next open, would have been another file's.
 */
class ShareClosedTwiceTest {
    @TempDir
    Path tmp;

    @Test
    void aSecondCloseLeavesTheRootToTheFidStillHoldingIt() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("share"));
        ShareRoot share = ShareRoot.open(dir, new QidMapper());
        try (Node root = share.root()) {
            share.close();
            share.close();
            assertEquals(
                    (long) Files.getAttribute(dir, "unix:ino"),
                    Inodes.stat(root).ino(),
                    "the fid's root is still the share's directory");
        }
    }
}
