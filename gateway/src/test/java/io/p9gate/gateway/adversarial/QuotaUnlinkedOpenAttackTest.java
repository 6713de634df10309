package io.p9gate.gateway.adversarial;

import static io.p9gate.gateway.adversarial.QuotaAttackGateway.LIMIT;
import static io.p9gate.gateway.adversarial.QuotaAttackGateway.O_RDWR;
import static io.p9gate.gateway.adversarial.QuotaAttackGateway.ROOT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.client.P9Client;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 8, item 5(c): an unlinked file keeps its space on the host while any handle holds it, but the
 * quota gave the space back at the unlink. Create, write 900 KiB, unlink, keep the fid, repeat: 7.4 MB
 * held under a 1 MiB quota. Now the bytes stay counted until the last handle on the inode (in any
 * session of the VM) is gone.
 */
class QuotaUnlinkedOpenAttackTest {
    private static final int CHUNK = 900 * 1024;
    private static final int ROUNDS = 9;
    private static final int CACHE = 1;

    @RegisterExtension
    final QuotaAttackGateway target = new QuotaAttackGateway();

    /** Creates cache/NAME as fid {@code fid} (opened read-write) and writes up to {@code bytes}; bytes accepted. */
    private static long createAndFill(P9Client c, int fid, String name, long bytes) throws Exception {
        c.walk(CACHE, fid);
        c.lcreate(fid, name, O_RDWR, 0644, 0);
        return QuotaAttackGateway.fill(c, fid, 0, bytes);
    }

    @Test
    void unlinkedFilesHeldOpenStayCountedUntilClunked() throws Exception {
        P9Client c = target.start().connect();
        c.walk(ROOT, CACHE, "work", "cache");
        long held = 0;
        for (int i = 0; i < ROUNDS; i++) {
            held += createAndFill(c, 10 + i, "f" + i, CHUNK);
            c.unlinkat(CACHE, "f" + i, 0);
        }
        assertTrue(held <= LIMIT, "unlinked files held open hold " + held + " bytes");

        for (int i = 0; i < ROUNDS; i++) {
            c.clunk(10 + i);
        }
        assertEquals(LIMIT, createAndFill(c, 30, "after", LIMIT), "the last clunk gave the space back");
    }

    @Test
    void aHandleInAnotherSessionKeepsTheBytesCounted() throws Exception {
        target.start();
        P9Client writer = target.connect();
        P9Client holder = target.connect();
        writer.walk(ROOT, CACHE, "work", "cache");
        assertEquals(CHUNK, createAndFill(writer, 10, "f", CHUNK));
        holder.walk(ROOT, 7, "work", "cache", "f"); // an O_PATH handle pins the inode as well
        writer.unlinkat(CACHE, "f", 0);
        writer.clunk(10);

        assertEquals(LIMIT - CHUNK, createAndFill(writer, 11, "g", LIMIT));

        holder.clunk(7);
        assertEquals(CHUNK, QuotaAttackGateway.fill(writer, 11, LIMIT - CHUNK, CHUNK));
    }
}
