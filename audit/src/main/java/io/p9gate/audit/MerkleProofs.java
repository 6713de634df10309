package io.p9gate.audit;

import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;

/**
 * RFC 6962 / RFC 9162 inclusion and consistency proofs. Generation recomputes subtree roots from the stored leaf
 * hashes (offline tooling, O(n) per proof); verification is the RFC 9162 §2.1.3.2 and §2.1.4.2 algorithms.
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

    /**
     * PROOF(old, D[0:size]) from RFC 6962 §2.1.2 (RFC 9162 §2.1.4.1): the hashes that show the tree of {@code old}
     * leaves is a prefix of the tree of {@code size}, so a verifier holding both signed roots knows the log only
     * grew. Needs {@code 0 < old < size <= leaves.size()}: an empty tree is a prefix of anything, and equal sizes
     * are compared root to root.
     */
    public static List<byte[]> consistencyProof(LeafHashes leaves, long old, long size) {
        if (old <= 0 || old >= size || size > leaves.size()) {
            throw new IllegalArgumentException(
                    "no consistency proof from size " + old + " to " + size + " in a log of " + leaves.size());
        }
        List<byte[]> proof = new ArrayList<>();
        subproof(new Hashes(), leaves, old, 0, size, true, proof);
        return proof;
    }

    /** SUBPROOF(m, D[from:to], whole): whole says D[0:m] is the old tree itself, whose root the verifier has. */
    private static void subproof(
            Hashes h, LeafHashes leaves, long m, long from, long to, boolean whole, List<byte[]> proof) {
        if (m == to - from) {
            if (!whole) {
                proof.add(subtreeRoot(h, leaves, from, to));
            }
            return;
        }
        long k = largestPowerOfTwoBelow(to - from);
        if (m <= k) {
            subproof(h, leaves, m, from, from + k, whole, proof);
            proof.add(subtreeRoot(h, leaves, from + k, to));
        } else {
            subproof(h, leaves, m - k, from + k, to, false, proof);
            proof.add(subtreeRoot(h, leaves, from, from + k));
        }
    }

    /**
     * True when {@code proof} shows that the tree of {@code old} leaves with root {@code oldRoot} is a prefix of the
     * tree of {@code size} leaves with root {@code newRoot} (RFC 9162 §2.1.4.2). False for sizes out of order.
     */
    public static boolean verifyConsistency(long old, long size, byte[] oldRoot, byte[] newRoot, List<byte[]> proof) {
        if (old <= 0 || old >= size || proof.isEmpty()) {
            return false;
        }
        List<byte[]> path = new ArrayList<>(proof);
        if (Long.bitCount(old) == 1) {
            path.addFirst(oldRoot); // the old tree is a complete subtree: its root starts the path
        }
        Hashes h = new Hashes();
        long fn = old - 1;
        long sn = size - 1;
        while ((fn & 1) == 1) {
            fn >>>= 1;
            sn >>>= 1;
        }
        byte[] fr = path.getFirst();
        byte[] sr = path.getFirst();
        for (byte[] c : path.subList(1, path.size())) {
            if (sn == 0) {
                return false;
            }
            if ((fn & 1) == 1 || fn == sn) {
                fr = h.node(c, fr);
                sr = h.node(c, sr);
                while ((fn & 1) == 0 && fn != 0) {
                    fn >>>= 1;
                    sn >>>= 1;
                }
            } else {
                sr = h.node(sr, c);
            }
            fn >>>= 1;
            sn >>>= 1;
        }
        return sn == 0 && MessageDigest.isEqual(fr, oldRoot) && MessageDigest.isEqual(sr, newRoot);
    }

    /** The largest power of two strictly smaller than n (n >= 2). */
    static long largestPowerOfTwoBelow(long n) {
        return Long.highestOneBit(n - 1);
    }
}
