package io.p9gate.audit;

import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;

/**
 * RFC 6962 / RFC 9162 inclusion proofs. Generation recomputes subtree roots from the stored leaf hashes (offline
 * tooling, O(n) per proof); verification is the RFC 9162 §2.1.3.2 algorithm.
 */
public final class MerkleProofs {
    private MerkleProofs() {}

    /** PATH(index, D[0:size]) from RFC 6962 §2.1.1, leaf-adjacent hash first. */
    public static List<byte[]> inclusionPath(LeafHashes leaves, long index, long size) {
        if (index < 0 || index >= size || size > leaves.size()) {
            throw new IllegalArgumentException("leaf " + index + " is not in a tree of " + size);
        }
        List<byte[]> path = new ArrayList<>();
        collect(new Hashes(), leaves, index, 0, size, path);
        return path;
    }

    private static void collect(Hashes h, LeafHashes leaves, long index, long from, long to, List<byte[]> path) {
        if (to - from <= 1) {
            return;
        }
        long k = largestPowerOfTwoBelow(to - from);
        if (index - from < k) {
            collect(h, leaves, index, from, from + k, path);
            path.add(subtreeRoot(h, leaves, from + k, to));
        } else {
            collect(h, leaves, index, from + k, to, path);
            path.add(subtreeRoot(h, leaves, from, from + k));
        }
    }

    /** MTH(D[from:to]). */
    public static byte[] subtreeRoot(Hashes h, LeafHashes leaves, long from, long to) {
        if (to - from == 1) {
            return leaves.get(from);
        }
        long k = largestPowerOfTwoBelow(to - from);
        return h.node(subtreeRoot(h, leaves, from, from + k), subtreeRoot(h, leaves, from + k, to));
    }

    /** True when {@code path} proves {@code leafHash} at {@code index} in the tree of {@code size} with {@code root}. */
    public static boolean verifyInclusion(byte[] leafHash, long index, long size, List<byte[]> path, byte[] root) {
        if (index < 0 || index >= size) {
            return false;
        }
        Hashes h = new Hashes();
        long fn = index;
        long sn = size - 1;
        byte[] r = leafHash;
        for (byte[] p : path) {
            if (sn == 0) {
                return false;
            }
            if ((fn & 1) == 1 || fn == sn) {
                r = h.node(p, r);
                while ((fn & 1) == 0 && fn != 0) {
                    fn >>>= 1;
                    sn >>>= 1;
                }
            } else {
                r = h.node(r, p);
            }
            fn >>>= 1;
            sn >>>= 1;
        }
        return sn == 0 && MessageDigest.isEqual(r, root);
    }

    /** The largest power of two strictly smaller than n (n >= 2). */
    static long largestPowerOfTwoBelow(long n) {
        return Long.highestOneBit(n - 1);
    }
}
