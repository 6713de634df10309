package io.p9gate.gateway.adversarial;

import static io.p9gate.gateway.adversarial.QuotaAttackGateway.ROOT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Red team (R-POL-6, one VM must not fill the host's disk): a directory keeps the blocks its entries once took
 * (ext4 and f2fs never shrink one), and a quota counted it as one inode however many blocks it held. A VM that
 * filled a new directory with long names up to its inodes limit, then removed them (or moved them on to the next
 * directory) and started over, left a directory of many blocks per inode: host space grew with the square of the
 * inodes limit. A quota now counts in bytes what each directory in its scope grew beyond its first block, as the
 * start-up scan does, so the scope takes at most its bytes plus about a block per inode.
 */
class QuotaDirectoryBlocksAttackTest {
    private static final int LIMIT = 64 * 1024;
    private static final int INODES = 48;
    private static final String LONG_NAME = "n".repeat(250);

    @RegisterExtension
    final QuotaAttackGateway target =
            new QuotaAttackGateway("{path: /work/cache, bytes: %d, inodes: %d}".formatted(LIMIT, INODES));

    private long hostKiB() throws IOException, InterruptedException {
        Process du = new ProcessBuilder("du", "-sk", target.scope.toString()).start();
        String out = new String(du.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
        assertEquals(0, du.waitFor());
        return Long.parseLong(out.split("\\s+")[0]);
    }

    /** Long names made in directory fid {@code dir} until the quota refuses one (EDQUOT; anything else fails). */
    private static List<String> fill(P9Client c, int dir) throws Exception {
        List<String> made = new ArrayList<>();
        try {
            while (true) {
                String name = LONG_NAME + made.size();
                c.symlink(dir, name, "t", 0);
                made.add(name);
            }
        } catch (P9Exception e) {
            assertEquals(Errno.EDQUOT, e.errno(), "after " + made.size() + " names");
        }
        return made;
    }

    private void assertBoundedAndCountedAsARestartWould(int rounds) throws Exception {
        long used = hostKiB();
        long bound = (LIMIT + INODES * 4096L) / 1024;
        assertTrue(
                used <= bound,
                rounds + " directories use " + used + " KiB of the host under a quota of " + LIMIT / 1024 + " KiB and "
                        + INODES + " inodes (bound " + bound + " KiB)");
        assertEquals(target.usageAfterRestart(), target.usageNow());
    }

    @Test
    void directoriesFilledWithLongNamesAndEmptiedStayWithinTheQuota() throws Exception {
        P9Client c = target.start().connect();
        c.walk(ROOT, 1, "work", "cache");
        int rounds = 0;
        try {
            for (; rounds < 100; rounds++) {
                c.mkdir(1, "d" + rounds, 0755, 0);
                c.walk(1, 2, "d" + rounds);
                for (String name : fill(c, 2)) {
                    c.unlinkat(2, name, 0);
                }
                c.clunk(2);
            }
        } catch (P9Exception e) {
            assertEquals(Errno.EDQUOT, e.errno(), "round " + rounds);
        }
        assertBoundedAndCountedAsARestartWould(rounds);
    }

    @Test
    void namesMovedOnFromDirectoryToDirectoryStayWithinTheQuota() throws Exception {
        P9Client c = target.start().connect();
        c.walk(ROOT, 1, "work", "cache");
        c.mkdir(1, "d0", 0755, 0);
        c.walk(1, 2, "d0");
        List<String> names = fill(c, 2);
        // Half the inodes for names, the rest for the directories they pass through.
        for (String name : names.subList(INODES / 2, names.size())) {
            c.unlinkat(2, name, 0);
        }
        names = names.subList(0, INODES / 2);
        int rounds = 1;
        try {
            for (; rounds < 100; rounds++) {
                c.mkdir(1, "d" + rounds, 0755, 0);
                c.walk(1, 3, "d" + rounds);
                for (String name : names) {
                    c.renameat(2, name, 3, name);
                }
                c.clunk(2);
                c.walk(3, 2);
                c.clunk(3);
            }
        } catch (P9Exception e) {
            assertEquals(Errno.EDQUOT, e.errno(), "round " + rounds);
        }
        assertBoundedAndCountedAsARestartWould(rounds);
    }
}
