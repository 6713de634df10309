package io.p9gate.audit.read;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.util.HexFormat;
import java.util.Optional;

/**
 * The fields integrity checks need from a record: its sequence number, type and the previous record's chain
 * hash, how many requests it stands for (its {@code count}; 1 when absent or null), and the chain rule it states:
 * a {@code start} or {@code checkpoint} record states {@link ChainRule#LEAF} when {@link #LEAF_CHAIN} is one of
 * its detail words (read when {@code type} comes before {@code detail}, as the writer orders them) and
 * {@link ChainRule#LINE} otherwise; other records state none (null). {@code mark} is where the record stands in
 * its writer's run ({@link RunMark}). Parsed with a streaming parser (fast on large logs); anything else in the
 * line is skipped.
 */
public record LineHeader(long seq, String type, byte[] prev, long count, ChainRule statedRule, RunMark mark) {
    /**
     * The detail word by which a writer's {@code start} and {@code checkpoint} records say that they, and the
     * records after them, are chained by their leaf hashes (docs/audit-format.md "Older logs").
     */
    public static final String LEAF_CHAIN = "chain=leaf";

    private static final JsonFactory FACTORY = new JsonFactory();

    public boolean isCheckpoint() {
        return "checkpoint".equals(type);
    }

    /** Empty when the line is not a JSON object with a numeric seq, a string type and a 32-byte hex prev. */
    public static Optional<LineHeader> parse(byte[] line) {
        try (JsonParser p = FACTORY.createParser(line)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return Optional.empty();
            }
            Long seq = null;
            String type = null;
            byte[] prev = null;
            long count = 1;
            boolean leafWord = false;
            RunMark mark = RunMark.NONE;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken value = p.nextToken();
                switch (name) {
                    case "seq" -> seq = value == JsonToken.VALUE_NUMBER_INT ? p.getLongValue() : null;
                    case "type" -> type = value == JsonToken.VALUE_STRING ? p.getText() : null;
                    case "prev" -> prev = value == JsonToken.VALUE_STRING ? hex32(p.getText()) : null;
                    case "count" -> count = value == JsonToken.VALUE_NUMBER_INT ? p.getLongValue() : 1;
                    case "detail" -> {
                        boolean text = statesRule(type) && value == JsonToken.VALUE_STRING;
                        leafWord = text && AuditRecord.hasDetailWord(p.getText(), LEAF_CHAIN);
                        mark = text ? RunMark.of(type, p.getText()) : RunMark.NONE;
                    }
                    default -> p.skipChildren();
                }
            }
            if (p.currentToken() != JsonToken.END_OBJECT || p.nextToken() != null) {
                return Optional.empty();
            }
            return seq == null || type == null || prev == null
                    ? Optional.empty()
                    : Optional.of(new LineHeader(
                            seq,
                            type,
                            prev,
                            count,
                            statesRule(type) ? (leafWord ? ChainRule.LEAF : ChainRule.LINE) : null,
                            mark));
        } catch (IOException | IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    private static boolean statesRule(String type) {
        return "start".equals(type) || "checkpoint".equals(type);
    }

    private static byte[] hex32(String s) {
        return s.length() == 64 ? HexFormat.of().parseHex(s) : null;
    }
}
