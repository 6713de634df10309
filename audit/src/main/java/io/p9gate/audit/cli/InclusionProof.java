package io.p9gate.audit.cli;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * The self-contained proof that {@code audit prove} writes and {@code audit check-proof} checks: the stored record
 * line, its leaf index, the RFC 6962 audit path and the signed checkpoint it leads to.
 */
record InclusionProof(long leafIndex, String record, long treeSize, List<byte[]> path, String checkpoint) {
    static final String FORMAT = "p9gate-inclusion-proof/1";
    /** Non-ASCII escaped: the checkpoint text comes from the sidecar and is printed to a terminal. */
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .enable(com.fasterxml.jackson.core.json.JsonWriteFeature.ESCAPE_NON_ASCII.mappedFeature());

    String toJson() throws IOException {
        ObjectNode root = JSON.createObjectNode()
                .put("format", FORMAT)
                .put("leafIndex", leafIndex)
                .put("record", record)
                .put("treeSize", treeSize);
        ArrayNode p = root.putArray("path");
        path.forEach(h -> p.add(Base64.getEncoder().encodeToString(h)));
        root.put("checkpoint", checkpoint);
        return JSON.writeValueAsString(root);
    }

    static InclusionProof parse(String json) throws UserError {
        try {
            JsonNode n = JSON.readTree(json);
            if (n == null || !FORMAT.equals(n.path("format").asText())) {
                throw CliCommand.usage("not a " + FORMAT + " document (no \"format\": \"" + FORMAT + "\")");
            }
            List<byte[]> path = new ArrayList<>();
            for (JsonNode h : n.path("path")) {
                path.add(Base64.getDecoder().decode(h.asText()));
            }
            return new InclusionProof(
                    n.path("leafIndex").asLong(-1),
                    n.path("record").asText(null),
                    n.path("treeSize").asLong(-1),
                    path,
                    n.path("checkpoint").asText(null));
        } catch (JsonProcessingException e) {
            // Jackson's own message spans lines and names its internals; the reviewer needs where and what.
            JsonLocation at = e.getLocation();
            throw CliCommand.usage(
                    "not JSON" + (at == null ? "" : " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")")
                            + ": " + e.getOriginalMessage().lines().findFirst().orElse(""));
        } catch (IllegalArgumentException e) {
            throw CliCommand.usage("an audit path hash is not base64");
        }
    }
}
