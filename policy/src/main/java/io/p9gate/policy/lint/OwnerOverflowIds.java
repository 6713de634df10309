package io.p9gate.policy.lint;

import io.p9gate.policy.ids.IdMapping;
import io.p9gate.policy.ids.IdRange;
import io.p9gate.policy.model.PolicyFile;
import io.p9gate.policy.model.VmPolicy;
import java.util.ArrayList;
import java.util.List;

/**
 * A VM whose {@code overflow} id is a guest id its own map maps. Every host file whose owner (group) the map does not
 * cover, host root's and other VMs', is shown as owned by the overflow id, and the guest kernel gives the guest user
 * of that id owner rights on it: with {@code overflow: 65534} under {@code {guest: 0, count: 65536}} the guest's
 * nobody read, appended to and chmodded host root's 0600 file (R-POL-5). A squash maps every guest id, so under one
 * only the default, (u32)-2, which no guest process runs as, is quiet.
 */
final class OwnerOverflowIds {
    private OwnerOverflowIds() {}

    static List<LintFinding> in(PolicyFile policy) {
        List<LintFinding> out = new ArrayList<>();
        for (VmPolicy vm : policy.vms().values()) {
            check(vm, "uid", vm.ids().uids(), out);
            check(vm, "gid", vm.ids().gids(), out);
        }
        return out;
    }

    private static void check(VmPolicy vm, String kind, IdMapping m, List<LintFinding> out) {
        long overflow = m.overflow();
        boolean aGuestsId = m.squash() != null ? overflow != IdRange.MAX_ID : m.isMapped(overflow);
        if (aGuestsId) {
            out.add(new LintFinding(
                    vm.pos(),
                    "VM '" + vm.id() + "': ids." + kind + " overflow " + overflow + " is a guest " + kind
                            + " its own map maps: every host file outside the map (host root's, other VMs') is"
                            + " shown as owned by it, and that guest " + (kind.equals("uid") ? "user" : "group")
                            + " gets owner rights on them in the guest (leave overflow out: the default, "
                            + IdMapping.DEFAULT_OVERFLOW + ", is no guest's id)"));
        }
    }
}
