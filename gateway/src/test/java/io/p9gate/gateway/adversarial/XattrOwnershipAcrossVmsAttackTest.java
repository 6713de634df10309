package io.p9gate.gateway.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.policyadapter.OwnershipMode;
import io.p9gate.gateway.proto.Attr;
import io.p9gate.gateway.proto.SetAttr;
import io.p9gate.policy.ids.IdRange;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Red team of R-POL-5 with {@code --ownership xattr} (the default of an unprivileged gateway): two VMs share one
 * host folder under different id maps (alpha's guest 0 is host 100000, beta's guest 0 is host 200000). Hostile
 * alpha, as its own root, creates a file and chmods it 04755: with ownership on the host inode (chown) beta
 * would see host 100000, outside its ranges, as the overflow id, so a set-uid file of alpha's root is nobody's in
 * beta. With the guest's raw uid stored in {@code user.p9gate.uid}, beta read "0" back as its own root: a
 * set-uid-root executable planted by another VM, which any user of beta could run to become root in beta. The
 * owner one VM sees must be the host identity the id maps give it, whatever mode keeps it. CHOWN is the control
 * (needs root); XATTR failed before the host ids were stored.
 *
 * <p>Nor may beta see the set-id bits of an owner its map cannot name: a set-uid file shown as owned by the overflow
 * id still let any user of beta become that id in beta (its kernel honours the bit it is shown), and the overflow id
 * is shared by every VM's unmapped ids. Linux itself ignores the bits of an owner outside the user namespace at
 * exec; the gateway shows none.
 */
class XattrOwnershipAcrossVmsAttackTest {
    private static final int O_RDWR = 2;
    private static final long GETATTR_BASIC = 0x7ffL;
    private static final int OVERFLOW_ID = (int) IdRange.MAX_ID;

    @TempDir
    Path tmp;

    @ParameterizedTest
    @EnumSource(OwnershipMode.class)
    void aSetUidRootFileOfOneVmIsNotRootsInAnotherVmWithAnotherMap(OwnershipMode mode) throws Exception {
        Views views = alphaPlantsSetIdFile(mode, 04755);
        assertEquals(0, views.alpha().uid(), "alpha sees its own root");
        Attr seen = views.beta();
        assertNotEquals(
                0,
                seen.uid(),
                "alpha's root must not be beta's root (mode " + Integer.toOctalString(seen.mode()) + ")");
        assertEquals(OVERFLOW_ID, seen.uid(), "host 100000 is outside beta's ranges");
        assertEquals(OVERFLOW_ID, seen.gid());
    }

    @ParameterizedTest
    @EnumSource(OwnershipMode.class)
    void anotherVmsSetIdFileShowsNoSetIdBitsForAnOwnerTheMapCannotName(OwnershipMode mode) throws Exception {
        Views views = alphaPlantsSetIdFile(mode, 06755);
        assertEquals(06755, views.alpha().mode() & 07777, "alpha keeps its own set-id bits");
        assertEquals(OVERFLOW_ID, views.beta().uid());
        assertEquals(0755, views.beta().mode() & 07777, "no set-uid or set-gid of the overflow id in beta");
    }

    /** What alpha and beta see of the file "su" alpha's root made and chmodded {@code setIdMode}. */
    private record Views(Attr alpha, Attr beta) {}

    /** Alpha (guest ids at host 100000) and beta (at 200000) share one folder; alpha's root plants "su". */
    private Views alphaPlantsSetIdFile(OwnershipMode mode, int setIdMode) throws Exception {
        Path share = Files.createDirectories(tmp.resolve("shared"));
        Path alphaSocket = tmp.resolve("alpha.sock");
        Path betaSocket = tmp.resolve("beta.sock");
        Path policy = OwnershipRig.policy(
                tmp.resolve("policy.yaml"),
                OwnershipRig.vm("alpha", alphaSocket, 100000, share),
                OwnershipRig.vm("beta", betaSocket, 200000, share));
        try (OwnershipRig _ = new OwnershipRig(policy, mode);
                P9Client alpha = OwnershipRig.connect(alphaSocket);
                P9Client beta = OwnershipRig.connect(betaSocket)) {
            alpha.attach(0, "root", "data", 0);
            alpha.walk(0, 1);
            alpha.lcreate(1, "su", O_RDWR, 0755, 0);
            alpha.setattr(1, new SetAttr(SetAttr.SETATTR_MODE, setIdMode, 0, 0, 0, 0, 0, 0, 0));
            Attr own = alpha.getattr(1, GETATTR_BASIC);

            beta.attach(0, "root", "data", 0);
            beta.walk(0, 1, "su");
            return new Views(own, beta.getattr(1, GETATTR_BASIC));
        }
    }
}
