package io.p9gate.gateway.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.policyadapter.OwnershipMode;
import io.p9gate.gateway.proto.Attr;
import io.p9gate.gateway.proto.SetAttr;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Whether a guest can make an unprivileged gateway unable to open another VM's nested share at its next start
 * (wiring.UnsearchableShareParentAtStartTest): alpha, whose share holds {@code vms} above beta's {@code vms/b},
 * chmods {@code vms} 000. An unprivileged gateway keeps ids and modes in xattrs (XattrIds): the guest sees 000, the
 * host directory keeps its owner's search bit, so the gateway still searches it; a root gateway (chowned ids)
 * keeps CAP_DAC_OVERRIDE (the systemd unit's bounding set). No defect: pinned, the guest's mode and the host's after the guest's 000.
 */
class GuestChmodAboveNestedShareTest {
    @TempDir
    Path tmp;

    @Test
    void aGuestsChmod000LeavesTheGatewaySearchBitUnderXattrOwnership() throws Exception {
        Path socket = tmp.resolve("alpha.sock");
        Path outer = Files.createDirectory(tmp.resolve("a"));
        Path vms = Files.createDirectories(outer.resolve("vms").resolve("b")).getParent();
        Path policy = OwnershipRig.policy(tmp.resolve("policy.yaml"), OwnershipRig.vm("alpha", socket, 100000, outer));
        try (OwnershipRig _ = new OwnershipRig(policy, OwnershipMode.XATTR);
                P9Client alpha = OwnershipRig.connect(socket)) {
            alpha.attach(0, "root", "data", 0);
            alpha.walk(0, 1, "vms");
            alpha.setattr(1, new SetAttr(SetAttr.SETATTR_MODE, 0, 0, 0, 0, 0, 0, 0, 0));
            assertEquals(0, alpha.getattr(1, Attr.GETATTR_ALL).mode() & 07777, "the guest sees its 000");
            Set<PosixFilePermission> host = Files.getPosixFilePermissions(vms);
            assertTrue(host.contains(PosixFilePermission.OWNER_EXECUTE), "host mode of vms: " + host);
        }
    }
}
