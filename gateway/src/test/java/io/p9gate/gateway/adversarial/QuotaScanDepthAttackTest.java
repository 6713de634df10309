package io.p9gate.gateway.adversarial;

import static io.p9gate.gateway.adversarial.QuotaAttackGateway.ROOT;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.p9gate.gateway.client.P9Client;
import io.p9gate.policy.quota.UsageScanner;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Another VM sharing the folder, with no quota of its own ("peer"), plants a directory tree 20,000 levels deep in
 * the quota scope of the VM "mallory". Each request of the gateway climbs at most 4,096 levels, but renames splice
 * trees of 1,000 levels each into one another, every rename within reach. The next start (or reload) scans the
 * scope: one call, one open descriptor and one path per level, so the scan died of a StackOverflowError (deeper
 * than the file descriptor limit, of EMFILE; a tree 2,500 levels of 255-byte names deep, of OutOfMemoryError with
 * the production heap), and the gateway could not start for any VM. The scan now stops at a depth it can afford and
 * counts the scope full (fail closed) until a scan finds it shallower.
 */
class QuotaScanDepthAttackTest {
    private static final int CHAINS = 20;
    private static final int LEVELS = 1000;

    @RegisterExtension
    final QuotaAttackGateway target = new QuotaAttackGateway("{path: /work/cache, bytes: 1048576, inodes: 100000}");

    /** Java's file API cannot delete a tree deeper than PATH_MAX; rm works one directory handle at a time. */
    @AfterEach
    void removeTheDeepTree() throws Exception {
        Process rm = new ProcessBuilder(
                        "rm", "-rf", target.scope.resolve("c" + (CHAINS - 1)).toString())
                .inheritIO()
                .start();
        assertEquals(0, rm.waitFor());
    }

    @Test
    void aTreeDeeperThanTheScanGoesDoesNotStopTheStart() throws Exception {
        target.start();
        P9Client peer = target.connectPeer();
        int cache = 1;
        int leaf = 2;
        peer.walk(ROOT, cache, "work", "cache");
        for (int chain = 0; chain < CHAINS; chain++) {
            peer.mkdir(cache, "c" + chain, 0755, 0);
            peer.walk(cache, leaf, "c" + chain);
            for (int level = 0; level < LEVELS; level++) {
                peer.mkdir(leaf, "d", 0755, 0);
                peer.walk(leaf, leaf, "d");
            }
            if (chain > 0) {
                peer.renameat(cache, "c" + (chain - 1), leaf, "t"); // the deep tree, one chain deeper
            }
            peer.clunk(leaf);
        }

        assertEquals(UsageScanner.BEYOND_REACH, target.usageAfterRestart(), "the scope counts full");
    }
}
