package io.p9gate.audit.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.List;

/**
 * The self-contained proof that {@code audit prove --consistency} writes and {@code audit check-proof} checks:
 * two signed checkpoints of one log and the RFC 9162 §2.1.4 consistency path showing that the older tree is a
 * prefix of the newer one (the log only grew between them).
 */
record ConsistencyProof(long oldSize, long newSize, List<byte[]> path, String oldCheckpoint, String newCheckpoint) {
    static final String FORMAT = "p9gate-consistency-proof/1";

    String toJson() throws IOException {
        ObjectNode root = ProofJson.JSON
                .createObjectNode()
                .put("format", FORMAT)
                .put("oldSize", oldSize)
                .put("newSize", newSize);
        ProofJson.putHashes(root.putArray("path"), path);
        root.put("oldCheckpoint", oldCheckpoint).put("newCheckpoint", newCheckpoint);
        return ProofJson.JSON.writeValueAsString(root);
    }

    /** Reads a proof document that {@link ProofJson#format} said is a consistency proof. */
    static ConsistencyProof from(JsonNode n) throws UserError {
        return new ConsistencyProof(
                ProofJson.number(n, "oldSize"),
                ProofJson.number(n, "newSize"),
                ProofJson.hashes(n.path("path")),
                n.path("oldCheckpoint").asText(null),
                n.path("newCheckpoint").asText(null));
    }
}
