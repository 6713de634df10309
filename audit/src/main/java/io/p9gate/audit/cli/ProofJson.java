package io.p9gate.audit.cli;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
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

    /**
     * Reads a proof strictly: a key given twice, or anything after the document, is no proof. Jackson takes the last
     * of two {@code record}s and ignores what follows the first value, so a document could be checked as one thing
     * and read by its reader, or another tool, as another.
     */
    private static final ObjectMapper READER = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private ProofJson() {}

    /** The document's tree, after checking it is JSON and one of the {@code formats}. */
    static JsonNode read(String json, String... formats) throws UserError {
        JsonNode n;
        try {
            n = READER.readTree(json);
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

    /**
     * A size or index of the document ({@code -1} when it has none, which no checkpoint matches). A number that is
     * not whole or does not fit 64 bits is no proof: read with {@code asLong}, {@code 2^64 + 7} was taken as 7, and
     * a proof for a leaf that no log can have was reported as one for record 7.
     */
    static long number(JsonNode document, String field) throws UserError {
        JsonNode n = document.path(field);
        if (n.isMissingNode()) {
            return -1;
        }
        if (!n.isIntegralNumber() || !n.canConvertToLong()) {
            String shown = n.toString();
            throw CliCommand.usage("the proof's \"" + field + "\" is not a whole number of 64 bits: "
                    + (shown.length() > 40 ? shown.substring(0, 40) + "..." : shown));
        }
        return n.asLong();
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
