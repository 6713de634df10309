package io.p9gate.audit.verify;

import java.util.Arrays;
import java.util.function.LongPredicate;

/**
 * The checkpoint records whose notes the sidecar lacks, as (seq, stored position), 16 bytes each: a crash leaves a
 * few in the unanchored tail, only a deleted note or a lost sidecar more.
 */
final class MissingNotes {
    private long[] seqs = new long[16];
    private long[] positions = new long[16];
    private int size;

    void add(long seq, long position) {
        if (size == seqs.length) {
            seqs = Arrays.copyOf(seqs, size * 2);
            positions = Arrays.copyOf(positions, size * 2);
        }
        seqs[size] = seq;
        positions[size++] = position;
    }

    /** Drops the records whose announced size (seq + 1) {@code noteSizes} holds. */
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
