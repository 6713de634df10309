package io.p9gate.gateway.adversarial;

import static io.p9gate.gateway.adversarial.QuotaAttackGateway.INODES;
import static io.p9gate.gateway.adversarial.QuotaAttackGateway.LIMIT;
import static io.p9gate.gateway.adversarial.QuotaAttackGateway.O_RDWR;
import static io.p9gate.gateway.adversarial.QuotaAttackGateway.ROOT;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.proto.StatFs;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Tstatfs passed the host disk's figures through (as QEMU and diod do): a VM saw the disk every other VM and
 * the host write to change under it (free space as a side channel of their activity), and {@code df} in the
 * guest promised room its quota would refuse with EDQUOT. Where a quota covers the path asked, the VM is now
 * shown the quota: its limit as the total, its room left as free and available, for bytes and inodes; others'
 * writes do not move these figures. Paths no quota covers still show the host's.
 */
class StatfsQuotaAttackTest {
    private static final int BLOCK = 4096;

    @RegisterExtension
    final QuotaAttackGateway target = new QuotaAttackGateway();

    @Test
    void aQuotaedSubtreeShowsItsLimitAndTheRoomLeftNotTheHostDisk() throws Exception {
        P9Client c = target.start().connect();
        c.walk(ROOT, 1, "work", "cache");
        StatFs before = c.statfs(1);
        long bsize = before.bsize();
        assertEquals(LIMIT, before.blocks() * bsize, "total: the quota's bytes");
        assertEquals(LIMIT, before.bavail() * bsize, "available: all of it");
        assertEquals(LIMIT, before.bfree() * bsize);
        assertEquals(INODES, before.files());
        assertEquals(INODES, before.ffree());

        c.walk(1, 2);
        c.lcreate(2, "f", O_RDWR, 0644, 0);
        c.write(2, 0, new byte[64 * BLOCK]);
        // Someone else fills the host disk meanwhile: a VM under a quota does not see it.
        Path elsewhere = Files.createTempFile("p9gate-statfs-other", ".bin");
        try {
            Files.write(elsewhere, new byte[8 << 20]);
            StatFs after = c.statfs(1);
            assertEquals(LIMIT - 64L * BLOCK, after.bavail() * bsize, "available: the room the quota leaves");
            assertEquals(INODES - 1, after.ffree(), "one inode used");
            assertEquals(before.blocks(), after.blocks());
        } finally {
            Files.delete(elsewhere);
        }
    }

    @Test
    void aPathNoQuotaCoversShowsTheHostDisk() throws Exception {
        P9Client c = target.start().connect();
        StatFs root = c.statfs(ROOT);
        Path host = target.share;
        long hostTotal = Files.getFileStore(host).getTotalSpace();
        assertEquals(hostTotal, root.blocks() * root.bsize(), "the share root is outside /work/cache");
    }
}
