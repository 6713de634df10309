package io.p9gate.gateway.adversarial;

import static io.p9gate.gateway.adversarial.QuotaAttackGateway.INODES;
import static io.p9gate.gateway.adversarial.QuotaAttackGateway.LIMIT;
import static io.p9gate.gateway.adversarial.QuotaAttackGateway.O_RDWR;
import static io.p9gate.gateway.adversarial.QuotaAttackGateway.ROOT;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.p9gate.gateway.client.P9Client;
import java.nio.file.Files;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 8, item 5(d): a Tlcreate without O_EXCL of an existing file opens it, but was charged an inode
 * each time: 49 re-opens used up a 50-inode quota until a restart. Now only a Tlcreate that really
 * creates takes an inode, and one that truncates an existing file gives its bytes back.
 */
class QuotaReopenAttackTest {
    private static final int O_TRUNC = 01000; // P9_DOTL_TRUNC
    private static final int CACHE = 1;

    @RegisterExtension
    final QuotaAttackGateway target = new QuotaAttackGateway();

    @Test
    void reopeningAnExistingFileTakesNoInode() throws Exception {
        P9Client c = target.start().connect();
        c.walk(ROOT, CACHE, "work", "cache");
        for (int i = 0; i < INODES + 10; i++) {
            c.walk(CACHE, 2);
            c.lcreate(2, "f", O_RDWR, 0644, 0);
            c.clunk(2);
        }
        for (int i = 1; i < INODES; i++) {
            c.walk(CACHE, 2);
            c.lcreate(2, "new" + i, O_RDWR, 0644, 0);
            c.clunk(2);
        }
        try (var names = Files.list(target.scope)) {
            assertEquals(INODES, names.count());
        }
    }

    @Test
    void reopeningWithTruncateGivesTheBytesBack() throws Exception {
        P9Client c = target.start().connect();
        c.walk(ROOT, CACHE, "work", "cache");
        c.walk(CACHE, 2);
        c.lcreate(2, "f", O_RDWR, 0644, 0);
        assertEquals(LIMIT, QuotaAttackGateway.fill(c, 2, 0, LIMIT));
        c.clunk(2);

        c.walk(CACHE, 2);
        c.lcreate(2, "f", O_RDWR | O_TRUNC, 0644, 0);
        assertEquals(0, Files.size(target.scope.resolve("f")));
        assertEquals(LIMIT, QuotaAttackGateway.fill(c, 2, 0, LIMIT), "the truncation freed the whole limit");
    }
}
