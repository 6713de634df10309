package io.p9gate.gateway.adversarial;

import static io.p9gate.gateway.adversarial.QuotaAttackGateway.INODES;
import static io.p9gate.gateway.adversarial.QuotaAttackGateway.LIMIT;
import static io.p9gate.gateway.adversarial.QuotaAttackGateway.O_RDWR;
import static io.p9gate.gateway.adversarial.QuotaAttackGateway.ROOT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import java.nio.file.Files;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Red team (R-POL-6, one VM must not fill the host's disk): "directory blocks are not counted in bytes; an inodes
 * limit bounds them" (docs/policy.md). A hard link took no inode and no bytes, so one file in a quota scope was given
 * 4,000 names of 255 bytes: the scope's directory grew to 1.5 MB on the host (past the 1 MiB quota) while usage
 * stayed at two inodes; ext4's 65,000 links a file, times the 48 files the inodes limit left, came to about 1.2 GB.
 * Each name now takes an inode: the links stop at the limit (EDQUOT), and unlinking a name gives its inode back.
 */
class QuotaLinkFloodAttackTest {
    @RegisterExtension
    final QuotaAttackGateway gw = new QuotaAttackGateway();

    @Test
    void everyNameTakesAnInodeSoLinksStopAtTheLimit() throws Exception {
        gw.start();
        P9Client mallory = gw.connect();
        mallory.walk(ROOT, 1, "work", "cache");
        mallory.mkdir(1, "d", 0755, 0);
        mallory.walk(1, 2, "d");
        mallory.walk(1, 3);
        mallory.lcreate(3, "f", O_RDWR, 0644, 0); // two inodes used: d and f
        int links = 0;
        Errno refused = null;
        for (int i = 0; i < 4000 && refused == null; i++) {
            try {
                mallory.link(2, 3, String.format("%05d", i) + "x".repeat(250));
                links++;
            } catch (P9Exception e) {
                refused = e.errno();
            }
        }
        assertEquals(Errno.EDQUOT, refused, "after " + links + " links");
        assertEquals(INODES - 2, links, "each name one inode, up to the limit");
        long directory = (long) Files.getAttribute(gw.scope.resolve("d"), "unix:size");
        assertTrue(directory <= LIMIT, links + " links grew the scope's directory to " + directory + " bytes");

        mallory.unlinkat(2, "00000" + "x".repeat(250), 0);
        mallory.link(2, 3, "again"); // an unlinked name gave its inode back
    }
}
