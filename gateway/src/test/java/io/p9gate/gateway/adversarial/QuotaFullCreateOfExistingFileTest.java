package io.p9gate.gateway.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.audit.read.AuditRecord;
import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * R-POL-6 through a raw client: a Tlcreate without O_EXCL of a name that exists opens that file and takes no inode
 * (open(2) with O_CREAT), as GuardedOpens says; but the inode was reserved before the call, so in a scope at its
 * inode limit such a Tlcreate failed EDQUOT where a local open succeeds, and an O_EXCL one answered EDQUOT where
 * open(2) answers EEXIST. The Linux client looks a name up before it creates it, so a guest meets this when two of
 * its processes create one name at once (the second opens the first's file) at the limit, or from a raw client. A
 * scope without a free inode now opens the existing file (or answers EEXIST); a name that does not exist is still
 * EDQUOT, and nothing is made.
 */
class QuotaFullCreateOfExistingFileTest {
    private static final int O_RDWR = 02;
    private static final int O_CREAT = 0100;
    private static final int O_EXCL = 0200;

    @TempDir
    Path tmp;

    @Test
    void aCreateOfAnExistingFileOpensItInAScopeWithoutAFreeInode() throws Exception {
        try (AuditedPolicyGateway rig = new AuditedPolicyGateway(tmp);
                P9Client alpha = rig.alpha()) {
            int fid = 10;
            int made = 0;
            while (true) { // alpha's /cache takes 4 inodes
                alpha.walk(0, fid, "cache");
                try {
                    alpha.lcreate(fid++, "f" + made, O_RDWR | O_CREAT | O_EXCL, 0644, 0);
                    made++;
                } catch (P9Exception full) {
                    assertEquals(Errno.EDQUOT, full.errno());
                    break;
                }
                assertTrue(made <= 4, "no inode limit");
            }
            Path cache = rig.policy.data.resolve("cache");
            Files.writeString(cache.resolve("f0"), "kept");

            alpha.walk(0, fid, "cache");
            alpha.lcreate(fid, "f0", O_RDWR | O_CREAT, 0644, 0);
            assertEquals("kept", new String(alpha.read(fid, 0, 100)), "the existing file was opened");
            fid++;

            alpha.walk(0, fid, "cache");
            int excl = fid++;
            assertEquals(
                    Errno.EEXIST,
                    assertThrows(P9Exception.class, () -> alpha.lcreate(excl, "f0", O_RDWR | O_CREAT | O_EXCL, 0644, 0))
                            .errno());
            alpha.walk(0, fid, "cache");
            int fresh = fid++;
            assertEquals(
                    Errno.EDQUOT,
                    assertThrows(P9Exception.class, () -> alpha.lcreate(fresh, "new", O_RDWR | O_CREAT, 0644, 0))
                            .errno(),
                    "a name that does not exist still needs an inode");
            assertTrue(Files.notExists(cache.resolve("new")));
            try (var listing = Files.list(cache)) {
                assertEquals(made, listing.count());
            }

            List<AuditRecord> creates = rig.logs.records().stream()
                    .filter(r -> "lcreate".equals(r.op())
                            && r.path() != null
                            && r.path().endsWith("cache/f0"))
                    .toList();
            assertTrue(
                    creates.stream()
                            .anyMatch(r -> "allow".equals(r.decision()) && (r.errno() == null || r.errno() == 0)),
                    "the open of the existing file recorded as the success it was: " + creates.getLast());
            assertEquals(0, rig.logs.verify().exit(), rig.logs.verify().output());
        }
    }
}
