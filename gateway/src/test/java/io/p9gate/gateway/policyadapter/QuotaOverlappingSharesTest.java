package io.p9gate.gateway.policyadapter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.backend.FileIo;
import io.p9gate.gateway.ops.TestSession;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.TMessage;
import io.p9gate.policy.quota.Usage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One VM with two shares over one host folder, each with a quota on the same subtree: each share's scope counts
 * the growth of a directory its own requests make (as a scan of that share's scope does). The VM's requests in one
 * directory shared one count of it whatever their share, so a request of the other share that settled while this
 * share's create was in the directory took that create's growth into the other share's scope, and this one's never
 * counted it: below its own scan, room past its quota.
 */
class QuotaOverlappingSharesTest {
    private static final String VM = "alpha";
    private static final String LONG_NAME = "n".repeat(240);
    private static final int O_RDWR_CREAT = 02 | 0100;

    @TempDir
    Path tmp;

    private QuotaPolicyRig rig;
    private TestSession s;

    @AfterEach
    void tearDown() {
        FileIo.whileCreating(null);
        if (s != null) {
            s.close();
        }
        if (rig != null) {
            rig.close();
        }
    }

    private static String share(String name, Path dir) {
        return "      " + name + ":\n        path: " + dir + "\n        access: read-write\n        quotas:\n"
                + "          - {path: /a, bytes: 1GiB, inodes: 100000}\n";
    }

    private Usage rescanned(String scope) {
        return new PolicyQuotas(rig.holder.current()).usage(VM).get(scope);
    }

    private Usage live(String scope) {
        return rig.quotas.usage(VM).get(scope);
    }

    @Test
    void aShareCountsTheGrowthItsOwnCreateMadeThoughTheOtherShareSettledInTheDirectoryFirst() throws Exception {
        Path data = Files.createDirectories(tmp.resolve("data"));
        Path dir = Files.createDirectories(data.resolve("a/E"));
        for (int i = 0; i < 16; i++) {
            Files.createFile(dir.resolve(LONG_NAME + i)); // its first block full
        }
        rig = QuotaPolicyRig.withShares(tmp, VM, share("data", data) + share("mirror", data));
        s = TestSession.open(rig.shares, rig.listener);
        s.call(new TMessage.Tattach(TestSession.ROOT, TMessage.NOFID, "root", "data", 0));
        s.call(new TMessage.Tattach(10, TMessage.NOFID, "root", "mirror", 0));
        s.walk(TestSession.ROOT, 3, "a", "E");
        s.walk(10, 11, "a", "E");
        long before = Files.size(dir);
        AtomicReference<Exception> refused = new AtomicReference<>();
        // While data's create is in E (its entry made, E grown), a request of mirror's in E settles: a Tmkdir of a
        // name E holds, which makes nothing.
        FileIo.whileCreating(() -> {
            FileIo.whileCreating(null);
            try {
                s.call(new TMessage.Tmkdir(11, LONG_NAME + 0, 0755, 0));
            } catch (Exception e) {
                refused.set(e);
            }
        });
        s.call(new TMessage.Tlcreate(3, LONG_NAME + 16, O_RDWR_CREAT, 0644, 0));
        s.clunk(3);
        assertTrue(refused.get() instanceof P9Exception, "mirror's Tmkdir of a name E holds: " + refused.get());
        assertTrue(Files.size(dir) > before, "the create grew E past its first block: " + Files.size(dir));
        assertEquals(rescanned("vm.alpha.share.data.quotas[0]"), live("vm.alpha.share.data.quotas[0]"));
    }
}
