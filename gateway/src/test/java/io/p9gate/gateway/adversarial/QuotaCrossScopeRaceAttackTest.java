package io.p9gate.gateway.adversarial;

import static io.p9gate.gateway.adversarial.QuotaAttackGateway.O_RDWR;
import static io.p9gate.gateway.adversarial.QuotaAttackGateway.ROOT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.SetAttr;
import io.p9gate.policy.quota.Usage;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Four connections of one VM race writes, truncates, creates, unlinks, links and renames of the same names between
 * two sibling scopes inside a third (the share's whole tree), files and directories alike: every rename between
 * {@code cache} and {@code other} moves usage from one scope's books to the other's while the names it moves are
 * written, truncated and removed by the other connections. Afterwards, every handle closed, each scope's running
 * count must be what a restart's scan finds (a scope counting too much refuses the VM space it has, one counting too
 * little lets it pass its quota), and what the scan finds within each scope's limits.
 */
class QuotaCrossScopeRaceAttackTest {
    private static final String[] NAMES = {"a", "b", "c", "d"};
    /** The one name a directory is made under (and moved to): files can then be written under the others. */
    private static final String DIR = "d";

    private static final int CONNECTIONS = 4;
    private static final int AT_REMOVEDIR = 0x200;
    /** How often the storm reached what it is about: a full scope, and a move between the two scopes. */
    private static final AtomicInteger REFUSED_FOR_QUOTA = new AtomicInteger();

    private static final AtomicInteger MOVED_ACROSS = new AtomicInteger();

    /** The fids each connection keeps on the three directories: cache, other, and work above both. */
    private static final int[] DIRS = {1, 3, 4};

    @RegisterExtension
    final QuotaAttackGateway target = new QuotaAttackGateway(
            "{bytes: 64MiB, inodes: 1000}",
            "{path: /work/cache, bytes: 2MiB, inodes: 30}",
            "{path: /work/other, bytes: 1MiB, inodes: 20}");

    @Test
    void racingMovesBetweenScopesLeaveEveryScopeWhatARestartWouldCount() throws Exception {
        Files.createDirectories(target.share.resolve("work/other"));
        target.start();
        List<P9Client> clients = new ArrayList<>();
        for (int i = 0; i < CONNECTIONS; i++) {
            clients.add(target.connect());
        }
        QuotaAttackGateway.storm(clients, QuotaCrossScopeRaceAttackTest::storm);
        assertTrue(REFUSED_FOR_QUOTA.get() > 0 && MOVED_ACROSS.get() > 0, REFUSED_FOR_QUOTA + " " + MOVED_ACROSS);

        Map<String, Usage> scanned = target.usagesAfterRestart();
        assertEquals(scanned, target.usagesNow());
        assertWithin(scanned, "quotas[1]", new Usage(2 << 20, 30));
        assertWithin(scanned, "quotas[2]", new Usage(1 << 20, 20));
    }

    /** What the host holds in the scope whose id ends with {@code quota}: never past its limits. */
    private static void assertWithin(Map<String, Usage> scanned, String quota, Usage limit) {
        Usage used = scanned.entrySet().stream()
                .filter(e -> e.getKey().endsWith(quota))
                .map(Map.Entry::getValue)
                .findFirst()
                .orElseThrow(() -> new AssertionError("no quota " + quota + " in " + scanned));
        assertTrue(used.bytes() <= limit.bytes() && used.inodes() <= limit.inodes(), quota + ": " + used);
    }

    /** Every request's own fids are clunked before it ends, so only the directories' fids stay open. */
    private static void storm(P9Client c, Random r) throws Exception {
        c.walk(ROOT, 1, "work", "cache");
        c.walk(ROOT, 3, "work", "other");
        c.walk(ROOT, 4, "work");
        for (int i = 0; i < 1500; i++) {
            int d = DIRS[r.nextInt(DIRS.length)];
            int e = DIRS[r.nextInt(DIRS.length)];
            String n = NAMES[r.nextInt(NAMES.length)];
            // a directory keeps its name, so that the other names stay files
            String m = n.equals(DIR) ? DIR : NAMES[r.nextInt(NAMES.length - 1)];
            try {
                switch (r.nextInt(10)) {
                    case 0 -> {
                        c.walk(d, 2, n);
                        try {
                            c.lopen(2, O_RDWR);
                            c.write(2, r.nextInt(1 << 19), new byte[65536]);
                            c.setattr(2, size(r.nextInt(1 << 19)));
                        } finally {
                            c.clunk(2);
                        }
                    }
                    case 1 -> {
                        c.walk(d, 2, n);
                        try {
                            c.setattr(2, size(r.nextInt(3 << 19)));
                        } finally {
                            c.clunk(2);
                        }
                    }
                    case 2 -> {
                        c.walk(d, 2, n);
                        try {
                            c.link(d, 2, m); // a second name: the file then stays in its scopes (EXDEV)
                        } finally {
                            c.clunk(2);
                        }
                    }
                    case 3 -> c.unlinkat(d, n, n.equals(DIR) ? AT_REMOVEDIR : 0);
                    case 4, 5 -> {
                        c.renameat(d, n, e, m);
                        if (d + e == DIRS[0] + DIRS[1]) {
                            MOVED_ACROSS.incrementAndGet();
                        }
                    }
                    case 6 -> c.mkdir(d, DIR, 0755, 0);
                    default -> {
                        // a file in the directory there, if there is one, else beside it
                        boolean inside = r.nextBoolean();
                        c.walk(d, 2, inside ? new String[] {DIR} : new String[0]);
                        try {
                            c.lcreate(2, inside ? m : n, O_RDWR, 0644, 0);
                            c.write(2, 0, new byte[r.nextInt(65536)]);
                        } finally {
                            c.clunk(2);
                        }
                    }
                }
            } catch (P9Exception refused) {
                // ENOENT, EEXIST, ENOTDIR, ENOTEMPTY, EXDEV, EDQUOT: the race's ordinary outcomes
                if (refused.errno() == Errno.EDQUOT) {
                    REFUSED_FOR_QUOTA.incrementAndGet();
                }
            }
        }
    }

    private static SetAttr size(long bytes) {
        return new SetAttr(SetAttr.SETATTR_SIZE, 0, 0, 0, bytes, 0, 0, 0, 0);
    }
}
