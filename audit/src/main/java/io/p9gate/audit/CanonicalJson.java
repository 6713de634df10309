package io.p9gate.audit;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

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

    /** A value encoded longer than this is not kept by its field's memo (a path can be long; it rarely repeats). */
    private static final int MEMO_MAX = 256;

    private static final AtomicInteger FIELDS = new AtomicInteger();

    /**
     * A field name of the record, encoded once as the bytes written before its value ({@code ,"name":}); each
     * instance of this class keeps, per field, the value it last wrote there and its bytes: a record's vm, op,
     * boot id, decision, rules, policy digest and detail mostly repeat the previous record's (issue 11: the
     * character-by-character escaping of them was a tenth of an audited Tgetattr's Java time).
     */
    static final class Field { // made once per field name, as a constant: each has a slot in every instance's memos
        private final byte[] prefix;
        private final int index = FIELDS.getAndIncrement();

        Field(String name) {
            String text = ",\"" + name + "\":";
            prefix = new byte[text.length()];
            for (int i = 0; i < prefix.length; i++) {
                prefix[i] = (byte) text.charAt(i); // the record's field names are printable ASCII
            }
        }
    }

    /** What a field last held, as written: a String or a list of them, and its bytes. */
    private static final class Memo {
        private Object value;
        private final byte[] bytes = new byte[MEMO_MAX];
        private int length;
    }

    private byte[] out = new byte[INITIAL_CAPACITY];
    private int length;
    private Memo[] memos = new Memo[0];

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

    CanonicalJson number(Field field, long value) {
        name(field);
        putLong(value);
        return this;
    }

    /** A number field, written as {@code null} when {@code present} is false. */
    CanonicalJson numberOrNull(Field field, long value, boolean present) {
        name(field);
        if (present) {
            putLong(value);
        } else {
            putAscii("null");
        }
        return this;
    }

    /**
     * A string field, {@code null} when the value is; a value equal to the one this field last held is copied from
     * the memo, not escaped again.
     */
    CanonicalJson string(Field field, String value) {
        if (!writtenAsBefore(field, value)) {
            int start = length;
            quoted(value);
            remember(field, value, start);
        }
        return this;
    }

    /** A list of strings, {@code null} when it is; remembered as {@link #string(Field, String)} is. */
    CanonicalJson strings(Field field, List<String> values) {
        if (!writtenAsBefore(field, values)) {
            int start = length;
            array(values);
            remember(field, List.copyOf(values), start);
        }
        return this;
    }

    /**
     * Writes the field's name, then its value when that is null or what the field last held; returns whether it
     * did (otherwise the caller encodes the value and {@link #remember}s it).
     */
    private boolean writtenAsBefore(Field field, Object value) {
        name(field);
        if (value == null) {
            putAscii("null");
            return true;
        }
        Memo memo = memo(field);
        if (value.equals(memo.value)) {
            putBytes(memo.bytes, memo.length);
            return true;
        }
        return false;
    }

    CanonicalJson hex(Field field, byte[] bytes) {
        name(field);
        putHex(bytes);
        return this;
    }

    CanonicalJson time(Field field, Instant time) {
        name(field);
        putTime(time);
        return this;
    }

    private Memo memo(Field field) {
        if (field.index >= memos.length) {
            memos = Arrays.copyOf(memos, field.index + 1);
        }
        Memo memo = memos[field.index];
        if (memo == null) {
            memo = new Memo();
            memos[field.index] = memo;
        }
        return memo;
    }

    /** Keeps what was written from {@code start} as the field's value, unless it is too long to keep. */
    private void remember(Field field, Object value, int start) {
        Memo memo = memo(field);
        int n = length - start;
        if (n > MEMO_MAX) {
            memo.value = null;
            return;
        }
        System.arraycopy(out, start, memo.bytes, 0, n);
        memo.length = n;
        memo.value = value;
    }

    private void name(Field field) {
        int skip = length > 1 ? 0 : 1; // no comma before the first field
        putBytes(field.prefix, skip, field.prefix.length - skip);
    }

    private void putBytes(byte[] bytes, int n) {
        putBytes(bytes, 0, n);
    }

    private void putBytes(byte[] bytes, int from, int n) {
        ensure(n);
        System.arraycopy(bytes, from, out, length, n);
        length += n;
    }

    private void array(List<String> values) {
        put('[');
        for (int i = 0; i < values.size(); i++) {
            if (i > 0) {
                put(',');
            }
            quoted(values.get(i));
        }
        put(']');
    }

    /** {@code bytes} as a string of lower-case hex digits. */
    private void putHex(byte[] bytes) {
        put('"');
        for (byte b : bytes) {
            put(HEX[b >> 4 & 0xf]);
            put(HEX[b & 0xf]);
        }
        put('"');
    }

    /** {@code time} as "uuuu-MM-ddTHH:mm:ss.SSSSSSZ" in UTC (microseconds, truncated), as docs/audit-format.md says. */
    private void putTime(Instant time) {
        put('"');
        putAscii(second(time.getEpochSecond()));
        put('.');
        int micros = time.getNano() / 1000;
        for (int divisor = 100_000; divisor > 0; divisor /= 10) {
            put('0' + micros / divisor % 10);
        }
        put('Z');
        put('"');
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

    /** Text known to be printable ASCII ({@code null}, the formatted second). */
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
