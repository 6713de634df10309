package io.p9gate.audit;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;
import java.util.List;

/**
 * Writes one JSON object with the fields in the order they are added, straight into ASCII bytes: no String is
 * built (issue 11: the audit record is encoded once, not formatted as text and then converted). The log keeps one
 * instance and {@link #reset}s it for each record, ending it with {@link #endLine}: the line is hashed and written
 * from this buffer, never copied ({@link #toBytes} copies, for tests and tools). Output is pure ASCII: every character outside printable
 * ASCII, and {@code "} and {@code \}, is escaped, each in exactly one way, so that a record has exactly one byte
 * form.
 */
final class CanonicalJson {
    private static final byte[] HEX = {'0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 'a', 'b', 'c', 'd', 'e', 'f'};
    /** The time stamp to the second; the fraction is written digit by digit. */
    private static final DateTimeFormatter SECONDS =
            DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss").withZone(ZoneOffset.UTC);

    /** The last second formatted: records come many per second, so the calendar is worked out once per second. */
    private record FormattedSecond(long epochSecond, String text) {}

    private static volatile FormattedSecond lastSecond = new FormattedSecond(Long.MIN_VALUE, "");

    private static final int INITIAL_CAPACITY = 1024;
    /** A buffer grown past this by one huge record is dropped at the next reset, not kept for the log's life. */
    private static final int KEPT_CAPACITY = 16 * 1024;

    private byte[] out = new byte[INITIAL_CAPACITY];
    private int length;

    CanonicalJson() {
        put('{');
    }

    /** Starts the next object in the same buffer. */
    CanonicalJson reset() {
        if (out.length > KEPT_CAPACITY) {
            out = new byte[INITIAL_CAPACITY];
        }
        length = 0;
        put('{');
        return this;
    }

    CanonicalJson number(String name, long value) {
        name(name);
        putLong(value);
        return this;
    }

    /** A number field, written as {@code null} when {@code present} is false. */
    CanonicalJson numberOrNull(String name, long value, boolean present) {
        if (present) {
            return number(name, value);
        }
        name(name);
        putAscii("null");
        return this;
    }

    CanonicalJson string(String name, String value) {
        name(name);
        if (value == null) {
            putAscii("null");
        } else {
            quoted(value);
        }
        return this;
    }

    CanonicalJson strings(String name, List<String> values) {
        name(name);
        if (values == null) {
            putAscii("null");
            return this;
        }
        put('[');
        for (int i = 0; i < values.size(); i++) {
            if (i > 0) {
                put(',');
            }
            quoted(values.get(i));
        }
        put(']');
        return this;
    }

    /** {@code bytes} as a string of lower-case hex digits. */
    CanonicalJson hex(String name, byte[] bytes) {
        name(name);
        put('"');
        for (byte b : bytes) {
            put(HEX[b >> 4 & 0xf]);
            put(HEX[b & 0xf]);
        }
        put('"');
        return this;
    }

    /** {@code time} as "uuuu-MM-ddTHH:mm:ss.SSSSSSZ" in UTC (microseconds, truncated), as docs/audit-format.md says. */
    CanonicalJson time(String name, Instant time) {
        name(name);
        put('"');
        putAscii(second(time.getEpochSecond()));
        put('.');
        int micros = time.getNano() / 1000;
        for (int divisor = 100_000; divisor > 0; divisor /= 10) {
            put('0' + micros / divisor % 10);
        }
        put('Z');
        put('"');
        return this;
    }

    /** The object as a new array, without a newline. */
    byte[] toBytes() {
        put('}');
        return Arrays.copyOf(out, length);
    }

    /**
     * Closes the object and puts the line's newline after it; returns the object's length. {@link #buffer} then
     * holds the object in {@code [0, length)} and the newline at {@code length}.
     */
    int endLine() {
        put('}');
        put('\n');
        return length - 1;
    }

    /** The buffer itself, valid until the next {@link #reset} (see {@link #endLine}). */
    byte[] buffer() {
        return out;
    }

    private static String second(long epochSecond) {
        FormattedSecond last = lastSecond;
        if (last.epochSecond() != epochSecond) {
            last = new FormattedSecond(epochSecond, SECONDS.format(Instant.ofEpochSecond(epochSecond)));
            lastSecond = last;
        }
        return last.text();
    }

    private void name(String name) {
        if (length > 1) {
            put(',');
        }
        put('"');
        putAscii(name);
        put('"');
        put(':');
    }

    private void quoted(String s) {
        put('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') {
                put('\\');
                put(c);
            } else if (c < 0x20 || c >= 0x7f) {
                put('\\');
                put('u');
                put(HEX[c >> 12 & 0xf]);
                put(HEX[c >> 8 & 0xf]);
                put(HEX[c >> 4 & 0xf]);
                put(HEX[c & 0xf]);
            } else {
                put(c);
            }
        }
        put('"');
    }

    private void putLong(long value) {
        if (value == Long.MIN_VALUE) {
            putAscii("-9223372036854775808"); // the one value whose negation is not a long
            return;
        }
        if (value < 0) {
            put('-');
            value = -value;
        }
        int digits = 1;
        for (long rest = value / 10; rest > 0; rest /= 10) {
            digits++;
        }
        ensure(digits);
        for (int i = length + digits - 1; i >= length; i--) {
            out[i] = (byte) ('0' + value % 10);
            value /= 10;
        }
        length += digits;
    }

    /** Text known to be printable ASCII (field names, {@code null}, the formatted second). */
    private void putAscii(String s) {
        ensure(s.length());
        for (int i = 0; i < s.length(); i++) {
            out[length++] = (byte) s.charAt(i);
        }
    }

    private void put(int asciiChar) {
        ensure(1);
        out[length++] = (byte) asciiChar;
    }

    private void ensure(int more) {
        if (length + more > out.length) {
            out = Arrays.copyOf(out, Math.max(out.length * 2, length + more));
        }
    }
}
