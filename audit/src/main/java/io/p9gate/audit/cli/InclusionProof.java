package io.p9gate.audit.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.List;

/**
 * The self-contained proof that {@code audit prove} writes and {@code audit check-proof} checks: the stored record
 * line, its leaf index, the RFC 6962 audit path and the signed checkpoint it leads to.
 */
record InclusionProof(long leafIndex, String record, long treeSize, List<byte[]> path, String checkpoint) {
    static final String FORMAT = "p9gate-inclusion-proof/1";

    String toJson() throws IOException {
        ObjectNode root = ProofJson.JSON
                .createObjectNode()
                .put("format", FORMAT)
                .put("leafIndex", leafIndex)
                .put("record", record)
                .put("treeSize", treeSize);
        ProofJson.putHashes(root.putArray("path"), path);
        root.put("checkpoint", checkpoint);
        return ProofJson.JSON.writeValueAsString(root);
    }

    /** Reads a proof document that {@link ProofJson#format} said is an inclusion proof. */
    static InclusionProof from(JsonNode n) throws UserError {
        return new InclusionProof(
                ProofJson.number(n, "leafIndex"),
                n.path("record").asText(null),
                ProofJson.number(n, "treeSize"),
                ProofJson.hashes(n.path("path")),
                n.path("checkpoint").asText(null));
    }
}
