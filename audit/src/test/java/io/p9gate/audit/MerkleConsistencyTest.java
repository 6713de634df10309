package io.p9gate.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * RFC 9162 §2.1.4 consistency proofs over the log's own tree: every pair of sizes up to 40 leaves is proved and
 * verified against the roots the writer's frontier computes, and every altered proof or root is refused.
 */
class MerkleConsistencyTest {
    private static final int LEAVES = 40;
    private final Hashes h = new Hashes();

    private byte[] leaf(int i) {
        byte[] b = ("record " + i).getBytes(StandardCharsets.US_ASCII);
        return h.leaf(b, 0, b.length);
    }

    /** The leaves, and the root at every size as the writer's incremental frontier has it (index = size). */
    private List<byte[]> frontierRoots(LeafHashes leaves) {
        List<byte[]> roots = new ArrayList<>();
        MerkleFrontier f = new MerkleFrontier();
        roots.add(f.root());
        for (int i = 0; i < LEAVES; i++) {
            leaves.add(leaf(i));
            f.append(leaf(i));
            roots.add(f.root());
        }
        return roots;
    }

    @Test
    void everyPairOfSizesIsProvedConsistent() {
        LeafHashes leaves = new LeafHashes();
        List<byte[]> roots = frontierRoots(leaves);
        for (int n = 2; n <= LEAVES; n++) {
            for (int m = 1; m < n; m++) {
                List<byte[]> proof = MerkleProofs.consistencyProof(leaves, m, n);
                assertTrue(
                        MerkleProofs.verifyConsistency(m, n, roots.get(m), roots.get(n), proof),
                        "sizes " + m + ", " + n);
                assertTrue(proof.size() <= 2 * (64 - Long.numberOfLeadingZeros(n)), "logarithmic: " + proof.size());
            }
        }
    }

    @Test
    void anAlteredProofOrRootIsRefused() {
        LeafHashes leaves = new LeafHashes();
        List<byte[]> roots = frontierRoots(leaves);
        for (int n = 2; n <= LEAVES; n++) {
            for (int m = 1; m < n; m++) {
                List<byte[]> proof = MerkleProofs.consistencyProof(leaves, m, n);
                byte[] oldRoot = roots.get(m);
                byte[] newRoot = roots.get(n);
                String sizes = "sizes " + m + ", " + n;
                for (int i = 0; i < proof.size(); i++) {
                    List<byte[]> tampered = new ArrayList<>(proof);
                    byte[] hash = tampered.get(i).clone();
                    hash[i % hash.length] ^= 1;
                    tampered.set(i, hash);
                    assertFalse(MerkleProofs.verifyConsistency(m, n, oldRoot, newRoot, tampered), sizes + " hash " + i);
                }
                if (!proof.isEmpty()) {
                    assertFalse(
                            MerkleProofs.verifyConsistency(m, n, oldRoot, newRoot, proof.subList(0, proof.size() - 1)),
                            sizes + " shortened");
                }
                List<byte[]> longer = new ArrayList<>(proof);
                longer.add(newRoot);
                assertFalse(MerkleProofs.verifyConsistency(m, n, oldRoot, newRoot, longer), sizes + " lengthened");
                assertFalse(
                        MerkleProofs.verifyConsistency(m, n, roots.get(m - 1), newRoot, proof), sizes + " old root");
                assertFalse(
                        MerkleProofs.verifyConsistency(m, n, oldRoot, roots.get(n - 1), proof), sizes + " new root");
                assertFalse(MerkleProofs.verifyConsistency(n, m, newRoot, oldRoot, proof), sizes + " swapped");
            }
        }
    }

    /** A history rewritten below the old size is not an extension of it, whatever proof is offered. */
    @Test
    void aRewrittenHistoryCannotBeProvedConsistent() {
        LeafHashes leaves = new LeafHashes();
        List<byte[]> roots = frontierRoots(leaves);
        LeafHashes forked = new LeafHashes();
        for (int i = 0; i < LEAVES; i++) {
            forked.add(i == 5 ? leaf(1000) : leaf(i));
        }
        for (int n = 7; n <= LEAVES; n++) {
            byte[] forkedRoot = MerkleProofs.subtreeRoot(h, forked, 0, n);
            for (int m = 6; m < n; m++) {
                List<byte[]> proof = MerkleProofs.consistencyProof(forked, m, n);
                assertFalse(MerkleProofs.verifyConsistency(m, n, roots.get(m), forkedRoot, proof), m + ", " + n);
            }
        }
    }

    @Test
    void sizesOutsideTheTreeAreRefused() {
        LeafHashes leaves = new LeafHashes();
        frontierRoots(leaves);
        assertThrows(IllegalArgumentException.class, () -> MerkleProofs.consistencyProof(leaves, 0, 5));
        assertThrows(IllegalArgumentException.class, () -> MerkleProofs.consistencyProof(leaves, 5, 5));
        assertThrows(IllegalArgumentException.class, () -> MerkleProofs.consistencyProof(leaves, 6, 5));
        assertThrows(IllegalArgumentException.class, () -> MerkleProofs.consistencyProof(leaves, 5, LEAVES + 1));
        assertEquals(0, MerkleProofs.consistencyProof(leaves, 4, 8).size() - 1, "a power of two: one hash");
    }
}
