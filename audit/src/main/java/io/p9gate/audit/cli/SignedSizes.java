package io.p9gate.audit.cli;

import java.util.List;
import java.util.TreeSet;

/**
 * The distinct sizes of the signed checkpoints, as far as an error message names them: all of them when there are
 * at most {@value #LISTED}, else the first and last {@value #ENDS}. Only those are kept, not one per note (a sidecar
 * gains about 86,400 notes a day).
 */
final class SignedSizes {
    static final int LISTED = 8;
    static final int ENDS = 4;
    /** The smallest sizes, one more than listed: holding that many says there are too many to list. */
    private final TreeSet<Long> smallest = new TreeSet<>();

    private final TreeSet<Long> largest = new TreeSet<>();

    void add(long size) {
        keep(smallest, size, LISTED + 1, true);
        keep(largest, size, ENDS, false);
    }

    private static void keep(TreeSet<Long> set, long size, int limit, boolean low) {
        set.add(size);
        if (set.size() > limit) {
            if (low) {
                set.pollLast();
            } else {
                set.pollFirst();
            }
        }
    }

    boolean isEmpty() {
        return smallest.isEmpty();
    }

    /** The sizes, shortened to the first and last few when there are many. */
    String describe() {
        if (smallest.size() <= LISTED) {
            return list(List.copyOf(smallest));
        }
        return list(List.copyOf(smallest).subList(0, ENDS)) + ", …, " + list(List.copyOf(largest));
    }

    private static String list(List<Long> sizes) {
        return sizes.toString().replaceAll("[\\[\\]]", "");
    }
}
