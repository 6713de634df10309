package io.p9gate.policy.lint;

import io.p9gate.policy.ids.IdMapping;
import io.p9gate.policy.ids.IdRange;
import io.p9gate.policy.model.PolicyFile;
import io.p9gate.policy.model.VmPolicy;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * A VM whose {@code overflow} id is a guest id its own map maps. Every host file whose owner (group) the map does not
 * cover, host root's and other VMs', is shown as owned by the overflow id, and the guest kernel gives the guest user
 * of that id owner rights on it: with {@code overflow: 65534} under {@code {guest: 0, count: 65536}} the guest's
 * nobody read, appended to and chmodded host root's 0600 file (R-POL-5). A squash maps every guest id, so under one
 * only the default, (u32)-2, which no guest process runs as, is quiet. An id below 65536 is reported whether the map
 * holds it or not: guest nobody's daemons run in every Linux guest, {@code overflow: 1000} beside {@code {guest: 0,
 * count: 1000}} is the guest's first login user, and under {@code permissions: guest} the reads of a guest user the
 * map leaves out are served all the same.
 */
final class OwnerOverflowIds {
    /** Guest nobody (and nogroup): a user of every Linux guest, mapped or not. */
    private static final long GUEST_NOBODY = 65534;

    /**
     * Below it lie the ids a Linux guest gives its own users: system users, login users from useradd's 1000, systemd's
     * dynamic users, nobody. An unmapped one is still a user the guest may run as (and whose reads {@code permissions:
     * guest} serves); ids from 65536 on are left to user namespaces' subordinate ranges, which the map then covers.
     */
    private static final long GUEST_USER_IDS = 65536;

    private OwnerOverflowIds() {}

    static List<LintFinding> in(PolicyFile policy) {
        List<LintFinding> out = new ArrayList<>();
        Set<Long> uidOverflows = new TreeSet<>(Set.of(IdMapping.DEFAULT_OVERFLOW)); // a VM without a map: the default
        Set<Long> gidOverflows = new TreeSet<>(uidOverflows);
        for (VmPolicy vm : policy.vms().values()) {
            uidOverflows.add(vm.ids().uids().overflow());
            gidOverflows.add(vm.ids().gids().overflow());
        }
        for (VmPolicy vm : policy.vms().values()) {
            check(vm, "uid", vm.ids().uids(), out);
            check(vm, "gid", vm.ids().gids(), out);
            rangesOver(vm, "uid", vm.ids().uids(), uidOverflows, out);
            rangesOver(vm, "gid", vm.ids().gids(), gidOverflows, out);
        }
        return out;
    }

    /**
     * A range whose host side holds an overflow id (any VM's: (u32)-2 unless a VM chose another), the host id of every
     * file a VM without a map, or an unmapped guest id, made. That host id then shows as one of the range's guest ids,
     * a user like any other, whom the guest kernel gives owner rights on all of them; a range ending at 4294967294
     * loaded quietly.
     */
    private static void rangesOver(VmPolicy vm, String kind, IdMapping m, Set<Long> overflows, List<LintFinding> out) {
        for (int i = 0; i < m.ranges().size(); i++) {
            IdRange r = m.ranges().get(i);
            for (long overflow : overflows) {
                if (r.holdsHost(overflow)) {
                    out.add(new LintFinding(
                            vm.pos(),
                            "VM '" + vm.id() + "': ids." + kind + " range " + i + " maps host " + kind + " "
                                    + overflow + ", the overflow id, to guest " + kind + " "
                                    + m.toGuest(overflow)
                                    + ": every file a VM without a map or an unmapped guest id made on the host is"
                                    + " shown as owned by it, and that guest "
                                    + (kind.equals("uid") ? "user" : "group")
                                    + " gets owner rights on them (end the range's host side below it)"));
                }
            }
        }
    }

    private static void check(VmPolicy vm, String kind, IdMapping m, List<LintFinding> out) {
        long overflow = m.overflow();
        boolean aGuestsId = m.squash() != null ? overflow != IdRange.MAX_ID : m.isMapped(overflow);
        if (aGuestsId || overflow < GUEST_USER_IDS) {
            String whose = aGuestsId
                    ? "a guest " + kind + " its own map maps"
                    : overflow == GUEST_NOBODY
                            ? "guest nobody's, mapped or not"
                            : "below " + GUEST_USER_IDS + ", an id a guest user runs as, mapped or not";
            out.add(new LintFinding(
                    vm.pos(),
                    "VM '" + vm.id() + "': ids." + kind + " overflow " + overflow + " is " + whose
                            + ": every host file outside the map (host root's, other VMs') is"
                            + " shown as owned by it, and that guest " + (kind.equals("uid") ? "user" : "group")
                            + " gets owner rights on them in the guest (leave overflow out: the default, "
                            + IdMapping.DEFAULT_OVERFLOW + ", is no guest's id)"));
        }
    }
}
