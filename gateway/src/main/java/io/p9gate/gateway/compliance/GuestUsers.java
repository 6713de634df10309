package io.p9gate.gateway.compliance;

import io.p9gate.policy.ids.IdMap;
import io.p9gate.policy.ids.IdMapping;
import io.p9gate.policy.ids.IdRange;
import java.util.ArrayList;
import java.util.List;

/**
 * Two guest users of one VM that its {@code ids} map makes two different ordinary host users: what a probe of
 * host permissions needs (user A owns a file, user B may not open it). Neither is guest root or mapped to host root
 * (root passes every mode check), neither is 65534 (every request naming no gid acts as that group), and A's group
 * is one B is not in where the map allows it.
 *
 * @param uidA the owner's guest uid
 * @param gidA the guest gid the owner's file is created with
 * @param uidB the other user's guest uid
 */
record GuestUsers(int uidA, int gidA, int uidB) {
    /** Ids at and above this are ordinary users on most systems: preferred, so the report names familiar ids. */
    private static final long USERS_FROM = 1000;

    /** A pair of usable users from {@code ids}, or why the map has none. */
    sealed interface Choice permits Found, None {}

    record Found(GuestUsers users) implements Choice {}

    record None(String why) implements Choice {}

    static Choice of(IdMap ids) {
        IdMapping uids = ids.uids();
        if (uids.squash() != null) {
            return new None("ids.uid squashes every guest uid to host uid " + uids.squash()
                    + ": no two guest users are different host users");
        }
        List<Long> found = usable(uids, USERS_FROM);
        if (found.size() < 2) {
            found = usable(uids, 1);
        }
        if (found.size() < 2) {
            return new None("ids.uid maps fewer than two guest uids other than root and 65534 to host users other "
                    + "than root");
        }
        long a = found.get(0);
        long nobodyGroup = ids.gidToHost(Oracle.NO_GID);
        boolean ownGroup = ids.gids().isMapped(a) && ids.gidToHost(a) != 0 && ids.gidToHost(a) != nobodyGroup;
        return new Found(new GuestUsers((int) a, (int) (ownGroup ? a : Oracle.NO_GID), (int)
                found.get(1).longValue()));
    }

    /** Whether the other user shares the owner's group (a squashed gid map leaves no other choice). */
    boolean sameGroup() {
        return gidA == Oracle.NO_GID;
    }

    /** The first two mapped guest uids from {@code floor} up that are neither root on either side nor 65534. */
    private static List<Long> usable(IdMapping uids, long floor) {
        List<Long> out = new ArrayList<>();
        for (IdRange r : uids.ranges()) {
            long end = r.guestStart() + r.count();
            for (long g = Math.max(r.guestStart(), floor); g < end && out.size() < 2; g++) {
                if (g != Oracle.NO_GID && g <= Integer.MAX_VALUE && uids.toHost(g) != 0) {
                    out.add(g);
                }
            }
        }
        return out;
    }
}
