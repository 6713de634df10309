package io.p9gate.audit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/** RFC 6962 tree heads and inclusion proofs (R-AUD-2). */
class MerkleTest {
    private final Hashes h = new Hashes();

    private byte[] leaf(int i) {
        byte[] b = ("leaf " + i).getBytes(StandardCharsets.US_ASCII);
        return h.leaf(b, 0, b.length);
    }

    /** Straight from the RFC 6962 §2.1 definition, to check the incremental frontier against. */
    private byte[] mth(List<byte[]> leaves) {
        if (leaves.isEmpty()) {
            return h.sha256(new byte[0]);
        }
        if (leaves.size() == 1) {
            return leaves.getFirst();
        }
        int k = Integer.highestOneBit(leaves.size() - 1);
        return h.node(mth(leaves.subList(0, k)), mth(leaves.subList(k, leaves.size())));
    }

    @Test
    void emptyTreeIsHashOfEmptyString() {
        assertEquals(
                "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
                HexFormat.of().formatHex(new MerkleFrontier().root()));
    }

    @Test
    void frontierMatchesDefinitionForEverySizeUpTo100() {
        MerkleFrontier f = new MerkleFrontier();
        java.util.ArrayList<byte[]> leaves = new java.util.ArrayList<>();
        for (int n = 1; n <= 100; n++) {
            leaves.add(leaf(n));
            f.append(leaf(n));
            assertArrayEquals(mth(leaves), f.root(), "size " + n);
        }
    }

    @Test
    void everyInclusionProofVerifiesAndWrongOnesDoNot() {
        LeafHashes leaves = new LeafHashes();
        for (int i = 0; i < 37; i++) {
            leaves.add(leaf(i));
        }
        for (long size = 1; size <= 37; size++) {
            byte[] root = MerkleProofs.subtreeRoot(h, leaves, 0, size);
            for (long i = 0; i < size; i++) {
                List<byte[]> path = MerkleProofs.inclusionPath(leaves, i, size);
                assertTrue(MerkleProofs.verifyInclusion(leaves.get(i), i, size, path, root), i + "/" + size);
                long other = (i + 1) % size;
                if (other != i) {
                    assertFalse(MerkleProofs.verifyInclusion(leaves.get(other), i, size, path, root));
                }
            }
        }
    }

    @Test
    void proofWithWrongSizeFails() {
        LeafHashes leaves = new LeafHashes();
        for (int i = 0; i < 10; i++) {
            leaves.add(leaf(i));
        }
        byte[] root = MerkleProofs.subtreeRoot(h, leaves, 0, 10);
        List<byte[]> path = MerkleProofs.inclusionPath(leaves, 3, 10);
        assertFalse(MerkleProofs.verifyInclusion(leaves.get(3), 3, 4, path, root), "path too long for the size");
        assertFalse(MerkleProofs.verifyInclusion(leaves.get(3), 3, 10, path.subList(0, path.size() - 1), root));
    }
}
