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
 * its writer's run ({@link RunMark}). {@code namedKey} is the {@code name+hash} of the signing key a run's
 * {@code start} names ({@code key=}), or of the key a {@code key_change} retires ({@code from=}); null otherwise
 * (docs/audit-format.md "Keys"). Parsed with a streaming parser (fast on large logs), from UTF-8 ({@link
 * RecordText}); anything else in the line is skipped.
 */
public record LineHeader(
        long seq, String type, byte[] prev, long count, ChainRule statedRule, RunMark mark, String namedKey) {
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
        try (JsonParser p = FACTORY.createParser(RecordText.of(line))) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return Optional.empty();
            }
            Long seq = null;
            String type = null;
            byte[] prev = null;
            long count = 1;
            boolean leafWord = false;
            RunMark mark = RunMark.NONE;
            String namedKey = null;
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
                        namedKey = value == JsonToken.VALUE_STRING ? namedKey(type, mark, p.getText()) : null;
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
                            mark,
                            namedKey));
        } catch (IOException | IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /** The {@code name+hash} a run's start names as its key, or a key change as the key it retires; else null. */
    private static String namedKey(String type, RunMark mark, String detail) {
        String prefix = mark == RunMark.LOG_START ? "key=" : "key_change".equals(type) ? "from=" : null;
        if (prefix == null) {
            return null;
        }
        for (String word : detail.split(" ")) {
            if (word.startsWith(prefix)) {
                String key = word.substring(prefix.length());
                int name = key.indexOf('+');
                int hash = name < 0 ? -1 : key.indexOf('+', name + 1);
                return hash < 0 ? key : key.substring(0, hash); // name+keyhash+base64 -> name+keyhash
            }
        }
        return null;
    }

    private static boolean statesRule(String type) {
        return "start".equals(type) || "checkpoint".equals(type);
    }

    private static byte[] hex32(String s) {
        return s.length() == 64 ? HexFormat.of().parseHex(s) : null;
    }
}
