package io.p9gate.policy.load;

import io.p9gate.policy.ids.IdRange;
import java.util.List;

/**
 * Refuses id ranges that overlap, naming the ids both claim and where the other range is: an operator fixes
 * "guest ids 500..509 are in both", not "ranges 0 and 1". (IdMapping refuses them too, as the last line of defence.)
 */
final class IdRangeOverlap {
    private IdRangeOverlap() {}

    static void check(List<IdRange> ranges, List<YamlNode> nodes, String what) throws PolicyLoadException {
        for (int j = 1; j < ranges.size(); j++) {
            for (int i = 0; i < j; i++) {
                IdRange a = ranges.get(i);
                IdRange b = ranges.get(j);
                String shared = shared("guest", a.guestStart(), b.guestStart(), a.count(), b.count());
                if (shared == null) {
                    shared = shared("host", a.hostStart(), b.hostStart(), a.count(), b.count());
                }
                if (shared != null) {
                    throw new PolicyLoadException(
                            nodes.get(j).pos(),
                            what + ": this range overlaps the range at line "
                                    + nodes.get(i).pos().line() + ": " + shared
                                    + " are in both (each id may be in one range)");
                }
            }
        }
    }

    /** "guest ids 500..509", or null when the two blocks have no id in common. */
    private static String shared(String side, long startA, long startB, long countA, long countB) {
        long from = Math.max(startA, startB);
        long to = Math.min(startA + countA, startB + countB) - 1;
        if (from > to) {
            return null;
        }
        return side + (from == to ? " id " + from : " ids " + from + ".." + to);
    }
}
