package io.p9gate.audit.verify;

import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.IntStream;

/**
 * What the comparison of each verified checkpoint with the stored records came to, kept as the report needs it:
 * the largest matching sizes, the text of the newest matching note, and the mismatched ones (size and line, 12
 * bytes each; only a forked or rewritten log has any) to judge once every checkpoint is compared.
 */
final class CheckpointOutcomes {
    /** Largest size a checkpoint (the pin included) matches at, or -1. */
    long largestMatching = -1;
    /** Largest size a sidecar checkpoint matches at. */
    long anchored;

    private boolean anyAnchor;
    /** The first note (in sidecar order) of size {@link #anchored}; null when it must be looked up again. */
    private String newestText;

    private long runSize = -1;
    private String runText;
    private long[] mismatchedSize = new long[16];
    private int[] mismatchedOrder = new int[16];
    private int mismatched;

    /**
     * A checkpoint compared in sidecar order, sizes not decreasing: the first of a run of equal sizes is the first
     * note of that size in the whole sidecar (one read out of order is compared later, never before it).
     */
    void inOrder(TrustedCheckpoint t, boolean matches) {
        if (t.size() != runSize) {
            runSize = t.size();
            runText = t.noteText();
        }
        outcome(t, matches, runText);
    }

    /** A checkpoint compared out of sidecar order: its text, should it be the newest, is looked up again. */
    void outcome(TrustedCheckpoint t, boolean matches, String firstTextOfSize) {
        if (!matches) {
            mismatch(t);
            return;
        }
        largestMatching = Math.max(largestMatching, t.size());
        if (!t.pinned() && (!anyAnchor || t.size() > anchored)) {
            anyAnchor = true;
            anchored = t.size();
            newestText = firstTextOfSize;
        }
    }

    void mismatch(TrustedCheckpoint t) {
        if (mismatched == mismatchedSize.length) {
            mismatchedSize = Arrays.copyOf(mismatchedSize, mismatched * 2);
            mismatchedOrder = Arrays.copyOf(mismatchedOrder, mismatched * 2);
        }
        mismatchedSize[mismatched] = t.size();
        mismatchedOrder[mismatched++] = t.order();
    }

    /** Whether a sidecar checkpoint matched whose text {@link #newestText} does not hold. */
    boolean newestNeedsLookup() {
        return anyAnchor && newestText == null;
    }

    String newestText() {
        return newestText;
    }

    /** Indexes by (size, order); compared in sidecar order they already are, unless the sidecar was doctored. */
    private int[] bySize() {
        Comparator<Integer> bySize =
                Comparator.<Integer>comparingLong(i -> mismatchedSize[i]).thenComparingInt(i -> mismatchedOrder[i]);
        boolean sorted = IntStream.range(1, mismatched).allMatch(i -> bySize.compare(i - 1, i) <= 0);
        IntStream indexes = IntStream.range(0, mismatched);
        return sorted
                ? indexes.toArray()
                : indexes.boxed().sorted(bySize).mapToInt(i -> i).toArray();
    }

    /**
     * The mismatched checkpoints by size (a pin after the sidecar's notes of its size): a mismatched head is a fork
     * if a larger one matches, else a rewrite unless a finding inside its range explains it.
     *
     * @param earliestTamper the earliest stored position a finding so far is about
     * @return where the rewrite found begins (its size - 1), or MAX_VALUE
     */
    long judge(long earliestTamper, FindingList findings) {
        long tamper = earliestTamper;
        long rewritten = Long.MAX_VALUE;
        for (int i : bySize()) {
            long size = mismatchedSize[i];
            boolean pinned = mismatchedOrder[i] == Integer.MAX_VALUE;
            String source = pinned ? "pinned checkpoint" : "checkpoints line " + mismatchedOrder[i];
            if (largestMatching >= size) {
                findings.add(new Finding.Fork(size, source)); // a later head vouches for this history
            } else if (tamper < size) {
                continue; // already explained by a finding inside the covered range
            } else if (pinned) {
                findings.add(new Finding.Fork(size, source));
            } else {
                findings.add(new Finding.Rewritten(size)); // the first one explains all later heads
                tamper = size - 1;
                rewritten = tamper;
            }
        }
        return rewritten;
    }
}
