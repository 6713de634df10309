package io.p9gate.gateway.adversarial;

import static io.p9gate.gateway.adversarial.OverlappingSharesRig.ALPHA_IDS;
import static io.p9gate.gateway.adversarial.OverlappingSharesRig.BETA_IDS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.proto.Attr;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.SetAttr;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two VMs with different id maps on one host folder (alpha guest 0-65535 at host 100000-, beta at host 200000-),
 * racing: alpha chowns its file between guest uids 1000 and 2000 in a loop while beta writes the same file and
 * asks its owner in a loop. Beta is only ever shown its overflow owner (4294967294) (alpha's host ids are no user of beta's, and
 * never alpha's guest ids), and beta's writes never make the file beta's: its host owner stays one alpha chose
 * (test only, no defect; Low).
 */
class CrossVmOwnerMapRaceAttackTest {
    private static final int ROUNDS = 2000;
    private static final int OVERFLOW = -2; // 4294967294, the default overflow of a VM with a map
    private static final int RDWR = 2;
    private static final int O_CREAT = 0100;

    @TempDir
    Path tmp;

    @Test
    void anotherVmsChownsRacingWritesNeverShowItsIdsNorGiveTheFileAway() throws Exception {
        Path data = Files.createDirectories(tmp.resolve("srv/data"));
        List<String> shown = new CopyOnWriteArrayList<>();
        try (OverlappingSharesRig rig = new OverlappingSharesRig(tmp, data, data, "", ALPHA_IDS, BETA_IDS)) {
            P9Client alpha = rig.alpha;
            alpha.walk(0, 1);
            alpha.lcreate(1, "f", RDWR | O_CREAT, 0644, 0);
            P9Client beta = rig.beta;
            beta.walk(0, 1, "f");
            beta.lopen(1, RDWR);
            AtomicBoolean stop = new AtomicBoolean();
            AtomicReference<Exception> betaFailed = new AtomicReference<>();
            Thread betaLoop = Thread.ofPlatform().start(() -> {
                try {
                    for (long n = 0; !stop.get(); n++) {
                        beta.write(1, 0, Long.toString(n).getBytes());
                        Attr seen = beta.getattr(1, Attr.GETATTR_ALL);
                        if (seen.uid() != OVERFLOW || seen.gid() != OVERFLOW) {
                            shown.add(seen.uid() + ":" + seen.gid());
                        }
                    }
                } catch (Exception e) {
                    betaFailed.set(e);
                }
            });
            try {
                for (int round = 0; round < ROUNDS && shown.isEmpty(); round++) {
                    int uid = round % 2 == 0 ? 1000 : 2000;
                    alpha.setattr(
                            1, new SetAttr(SetAttr.SETATTR_UID | SetAttr.SETATTR_GID, 0, uid, uid, 0, 0, 0, 0, 0));
                }
            } catch (P9Exception e) {
                throw new AssertionError("alpha's chown of its own file", e);
            } finally {
                stop.set(true);
                betaLoop.join();
            }
            assertEquals(null, betaFailed.get());
            assertEquals(List.of(), shown, "beta was shown owners other than its overflow");
            int hostUid = (int) Files.getAttribute(data.resolve("f"), "unix:uid");
            assertTrue(hostUid == 101000 || hostUid == 102000, "the host owner is alpha's choice: " + hostUid);
            Attr alphaSees = alpha.getattr(1, Attr.GETATTR_ALL);
            assertEquals(hostUid - 100000, alphaSees.uid(), "alpha sees its own guest uid");
        }
    }
}
