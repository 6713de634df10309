package io.p9gate.gateway.adversarial;

import static io.p9gate.gateway.adversarial.QuotaAttackGateway.O_RDWR;
import static io.p9gate.gateway.adversarial.QuotaAttackGateway.ROOT;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.p9gate.gateway.client.P9Client;
import io.p9gate.policy.quota.Usage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A guest may make paths of any depth (issue 15), but the start-up scan read each file's link count by its
 * absolute host path, which the kernel refuses beyond PATH_MAX (ENAMETOOLONG). Twenty directories of 240-byte
 * names (20 of the quota's 50 inodes) and one empty file below them made every later scan of the scope fail:
 * the gateway could not start again, for any VM, and no reload could be taken. The scan must count such a tree
 * as the live accounting does.
 */
class QuotaDeepScanAttackTest {
    private static final int LEVELS = 20;

    @RegisterExtension
    final QuotaAttackGateway target = new QuotaAttackGateway();

    private static String name(int level) {
        return String.valueOf((char) ('a' + level)).repeat(240);
    }

    /** Java's file API cannot delete a tree deeper than PATH_MAX; rm works one directory handle at a time. */
    @AfterEach
    void removeTheDeepTree() throws Exception {
        Process rm = new ProcessBuilder(
                        "rm", "-rf", target.scope.resolve(name(0)).toString())
                .inheritIO()
                .start();
        assertEquals(0, rm.waitFor());
    }

    @Test
    void aFileBeyondPathMaxDoesNotStopTheScan() throws Exception {
        P9Client c = target.start().connect();
        c.walk(ROOT, 1, "work", "cache");
        int fid = 1;
        for (int level = 0; level < LEVELS; level++) {
            c.mkdir(fid, name(level), 0755, 0);
            c.walk(fid, fid + 1, name(level));
            fid++;
        }
        c.walk(fid, 100);
        c.lcreate(100, "f", O_RDWR, 0644, 0);
        assertEquals(5, c.write(100, 0, new byte[5]));
        c.walk(fid, 101, "f");
        c.link(fid, 101, "twin"); // a second name, inside the scope: its inode counts, its bytes once
        c.clunk(100);
        c.clunk(101);
        assertEquals(new Usage(5, LEVELS + 2), target.usageNow());

        assertEquals(target.usageNow(), target.usageAfterRestart(), "a restart measures what was counted");
    }
}
