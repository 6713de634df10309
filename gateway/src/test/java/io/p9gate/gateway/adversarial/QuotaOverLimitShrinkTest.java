package io.p9gate.gateway.adversarial;

import static io.p9gate.gateway.adversarial.QuotaAttackGateway.INODES;
import static io.p9gate.gateway.adversarial.QuotaAttackGateway.LIMIT;
import static io.p9gate.gateway.adversarial.QuotaAttackGateway.O_RDWR;
import static io.p9gate.gateway.adversarial.QuotaAttackGateway.ROOT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.SetAttr;
import java.nio.file.Files;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A scope past its limit (a reload tightened the quota below what it holds, or the host filled it: the scan counts
 * what it finds) refuses growth only, as a Linux quota does: a guest may still overwrite its bytes in place, truncate
 * a file down, open one with O_TRUNC, to get back under. Before, each of these reserved 0 bytes, which a ledger past
 * its limit refused (EDQUOT), so only rm could shrink (GuestQuotaReloadIT: the real client's truncate -s and dd
 * conv=notrunc after a reload to 50,000 bytes of a scope holding 81,000).
 */
class QuotaOverLimitShrinkTest {
    private static final int O_TRUNC = 01000; // P9_DOTL_TRUNC

    @RegisterExtension
    final QuotaAttackGateway target = new QuotaAttackGateway();

    @Test
    void aScopePastItsBytesLetsFilesBeRewrittenAndShrunk() throws Exception {
        Files.write(target.scope.resolve("big"), new byte[2 * LIMIT]);
        Files.write(target.scope.resolve("other"), new byte[4096]);
        P9Client c = target.start().connect();
        c.walk(ROOT, 1, "work", "cache", "big");
        c.lopen(1, O_RDWR);
        assertEquals(
                Errno.EDQUOT,
                assertThrows(P9Exception.class, () -> c.write(1, 2L * LIMIT, new byte[1]))
                        .errno(),
                "growth is refused");
        assertEquals(4, c.write(1, 0, "over".getBytes()), "an overwrite in place grows nothing");
        c.setattr(1, size(LIMIT / 2));
        assertEquals(LIMIT / 2, Files.size(target.scope.resolve("big")));
        c.walk(ROOT, 2, "work", "cache", "other");
        c.lopen(2, O_RDWR | O_TRUNC);
        assertEquals(0, Files.size(target.scope.resolve("other")));
        assertEquals(target.usageAfterRestart(), target.usageNow(), "the quota counts what the host holds");
        assertEquals(LIMIT / 2, QuotaAttackGateway.fill(c, 2, 0, LIMIT), "back under: the room left is usable");
    }

    @Test
    void aScopePastItsInodesLetsFilesBeRewrittenAndShrunk() throws Exception {
        for (int i = 0; i <= INODES; i++) {
            Files.write(target.scope.resolve("f" + i), new byte[100]);
        }
        P9Client c = target.start().connect();
        c.walk(ROOT, 1, "work", "cache", "f0");
        c.lopen(1, O_RDWR);
        assertEquals(4, c.write(1, 0, "over".getBytes()));
        c.setattr(1, size(10));
        assertEquals(10, Files.size(target.scope.resolve("f0")));
        assertEquals(target.usageAfterRestart(), target.usageNow(), "the quota counts what the host holds");
    }

    @Test
    void aScopePastItsInodesButUnderItsBytesLetsAFileGrow() throws Exception {
        for (int i = 0; i <= INODES; i++) {
            Files.write(target.scope.resolve("f" + i), new byte[100]);
        }
        P9Client c = target.start().connect();
        c.walk(ROOT, 1, "work", "cache", "f0");
        c.lopen(1, O_RDWR);
        assertEquals(1000, c.write(1, 100, new byte[1000]), "a write adds no inode: it needs bytes only");
        c.setattr(1, size(5000));
        assertEquals(5000, Files.size(target.scope.resolve("f0")));
        c.walk(ROOT, 2, "work", "cache");
        assertEquals(
                Errno.EDQUOT,
                assertThrows(P9Exception.class, () -> c.lcreate(2, "new", 0, 0644, 0))
                        .errno(),
                "a new entry still needs an inode");
        assertEquals(target.usageAfterRestart(), target.usageNow(), "the quota counts what the host holds");
    }

    private static SetAttr size(long bytes) {
        return new SetAttr(SetAttr.SETATTR_SIZE, 0, 0, 0, bytes, 0, 0, 0, 0);
    }
}
