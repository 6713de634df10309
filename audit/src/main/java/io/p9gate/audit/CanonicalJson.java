package io.p9gate.audit;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Writes one JSON object with the fields in the order they are added. Output is pure ASCII: every character
 * outside printable ASCII, and {@code "} and {@code \}, is escaped, each in exactly one way, so that a record has
 * exactly one byte form.
 */
final class CanonicalJson {
    private static final char[] HEX = "0123456789abcdef".toCharArray();
    private final StringBuilder out = new StringBuilder(320);

    CanonicalJson() {
        out.append('{');
    }

    CanonicalJson number(String name, long value) {
        name(name).append(value);
        return this;
    }

    /** A number field, written as {@code null} when {@code present} is false. */
    CanonicalJson numberOrNull(String name, long value, boolean present) {
        if (present) {
            return number(name, value);
        }
        name(name).append("null");
        return this;
    }

    CanonicalJson string(String name, String value) {
        StringBuilder b = name(name);
        if (value == null) {
            b.append("null");
        } else {
            quoted(value);
        }
        return this;
    }

    CanonicalJson strings(String name, List<String> values) {
        StringBuilder b = name(name);
        if (values == null) {
            b.append("null");
            return this;
        }
        b.append('[');
        for (int i = 0; i < values.size(); i++) {
            if (i > 0) {
                b.append(',');
            }
            quoted(values.get(i));
        }
        b.append(']');
        return this;
    }

    byte[] toBytes() {
        out.append('}');
        return out.toString().getBytes(StandardCharsets.US_ASCII);
    }

    private StringBuilder name(String name) {
        if (out.length() > 1) {
            out.append(',');
        }
        out.append('"').append(name).append("\":");
        return out;
    }

    private void quoted(String s) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') {
                out.append('\\').append(c);
            } else if (c < 0x20 || c >= 0x7f) {
                out.append("\\u")
                        .append(HEX[c >> 12 & 0xf])
                        .append(HEX[c >> 8 & 0xf])
                        .append(HEX[c >> 4 & 0xf])
                        .append(HEX[c & 0xf]);
            } else {
                out.append(c);
            }
        }
        out.append('"');
    }
}
