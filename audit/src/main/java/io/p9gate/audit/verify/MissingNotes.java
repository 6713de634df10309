package io.p9gate.audit.verify;

import java.util.Arrays;
import java.util.function.LongPredicate;

/**
 * The checkpoint records whose notes the sidecar lacks, as (seq, stored position), 16 bytes each: a crash leaves a
 * few in the unanchored tail, only a deleted note or a lost sidecar more. At most {@value #TRACKED} are kept.
 */
final class MissingNotes {
    /**
     * A doctored log chooses how many checkpoint records lack a note (a forged line of about 100 bytes each, 16 bytes
     * of heap each): keeping every one ran the verifier out of memory on a log six times its heap (exit 70, no
     * verdict). No crash leaves this many unsigned, so beyond it each is reported at once as a deleted note.
     */
    static final int TRACKED = 10_000;

    private long[] seqs = new long[16];
    private long[] positions = new long[16];
    private int size;
    /** The records beyond {@link #TRACKED}, as deletions: listed up to a class's limit, then counted. */
    private final FindingList untracked = new FindingList();
    /** The smallest size the records beyond {@link #TRACKED} announce. */
    private long smallestUntracked = Long.MAX_VALUE;

    void add(long seq, long position) {
        if (size == TRACKED) {
            untracked.add(new Finding.CheckpointDeleted(seq + 1));
            smallestUntracked = Math.min(smallestUntracked, seq + 1);
            return;
        }
        if (size == seqs.length) {
            seqs = Arrays.copyOf(seqs, size * 2);
            positions = Arrays.copyOf(positions, size * 2);
        }
        seqs[size] = seq;
        positions[size++] = position;
    }

    /** Drops the kept records whose announced size (seq + 1) {@code noteSizes} holds. */
    void removeAnnounced(LongPredicate noteSizes) {
        int kept = 0;
        for (int i = 0; i < size; i++) {
            if (!noteSizes.test(seqs[i] + 1)) {
                seqs[kept] = seqs[i];
                positions[kept++] = positions[i];
            }
        }
        size = kept;
    }

    /**
     * The deleted notes beyond {@link #TRACKED}; none when the records were tampered with before all of them (at
     * {@code earliestTamper}), as for the kept ones: that finding explains them.
     */
    FindingList untracked(long earliestTamper) {
        return earliestTamper < smallestUntracked ? new FindingList() : untracked;
    }

    /** Whether the next record added is reported at once rather than kept ({@link #TRACKED}). */
    boolean full() {
        return size == TRACKED;
    }

    int size() {
        return size;
    }

    long seq(int i) {
        return seqs[i];
    }

    long position(int i) {
        return positions[i];
    }
}
