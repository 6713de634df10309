package io.p9gate.audit;

import java.util.Arrays;

/**
 * Incremental RFC 6962 tree head: keeps only the roots of the perfect subtrees along the right edge (one per set
 * bit of the size), so appending is O(1) amortised and memory is O(log n).
 */
public final class MerkleFrontier {
    private final Hashes hashes = new Hashes();
    /** roots[h] is the root of a perfect subtree of 2^h leaves, or null. */
    private byte[][] roots = new byte[64][];

    private long size;

    public void append(byte[] leafHash) {
        byte[] carry = leafHash;
        int height = 0;
        for (long i = size; (i & 1) == 1; i >>>= 1, height++) {
            carry = hashes.node(roots[height], carry);
            roots[height] = null;
        }
        roots[height] = carry;
        size++;
    }

    public long size() {
        return size;
    }

    /** MTH of all leaves appended so far; SHA-256 of the empty string for an empty tree (RFC 6962 §2.1). */
    public byte[] root() {
        byte[] acc = null;
        for (byte[] subtree : roots) {
            if (subtree != null) {
                acc = acc == null ? subtree : hashes.node(subtree, acc);
            }
        }
        return acc == null ? hashes.sha256(new byte[0]) : acc;
    }

    public MerkleFrontier copy() {
        MerkleFrontier c = new MerkleFrontier();
        c.roots = Arrays.copyOf(roots, roots.length);
        c.size = size;
        return c;
    }
}
