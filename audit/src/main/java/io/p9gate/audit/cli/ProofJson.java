package io.p9gate.audit.cli;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/** The JSON of the proof documents {@code audit prove} writes and {@code audit check-proof} reads. */
final class ProofJson {
    /** Non-ASCII escaped: checkpoint texts come from the sidecar and are printed to a terminal. */
    static final ObjectMapper JSON = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .enable(com.fasterxml.jackson.core.json.JsonWriteFeature.ESCAPE_NON_ASCII.mappedFeature());

    private ProofJson() {}

    /** The document's tree, after checking it is JSON and one of the {@code formats}. */
    static JsonNode read(String json, String... formats) throws UserError {
        JsonNode n;
        try {
            n = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            // Jackson's own message spans lines and names its internals; the reviewer needs where and what.
            JsonLocation at = e.getLocation();
            throw CliCommand.usage(
                    "not JSON" + (at == null ? "" : " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")")
                            + ": " + e.getOriginalMessage().lines().findFirst().orElse(""));
        }
        String format = n == null ? "" : n.path("format").asText();
        if (!List.of(formats).contains(format)) {
            throw CliCommand.usage(
                    "not a proof document (its \"format\" is none of " + String.join(", ", formats) + ")");
        }
        return n;
    }

    static String format(JsonNode document) {
        return document.path("format").asText();
    }

    static List<byte[]> hashes(JsonNode array) throws UserError {
        List<byte[]> out = new ArrayList<>();
        try {
            for (JsonNode h : array) {
                out.add(Base64.getDecoder().decode(h.asText()));
            }
        } catch (IllegalArgumentException e) {
            throw CliCommand.usage("a proof hash is not base64");
        }
        return out;
    }

    static void putHashes(ArrayNode into, List<byte[]> hashes) {
        hashes.forEach(h -> into.add(Base64.getEncoder().encodeToString(h)));
    }
}
