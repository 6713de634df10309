package io.p9gate.audit;

import io.p9gate.audit.note.Sha256;
import io.p9gate.audit.read.AbbreviatedPath;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.function.ToIntFunction;

/**
 * Text a guest or a peer chose as one {@link DetailWords#word} of a record's detail, bounded: whole when it takes at
 * most {@link AbbreviatedPath#MAX_BYTES} bytes of the record, else its first characters within {@link
 * AbbreviatedPath#PREFIX_BYTES}, its UTF-8 length and its SHA-256 ({@code abc...%[4095-bytes-sha256-9f86…]}: one
 * word, as the detail's grammar says guest text is, which a marker with spaces was not; and a {@code %} of the text's
 * own is written {@code %25}, so no text reads as the marker, which {@link DetailWords#text} keeps as it is). Whole, a 4,095-byte symlink target of U+0001 took 24.6 KB of an
 * allowed request's record, and a refused TLS connection's 9 KB server name 46 KB (gateway
 * adversarial.SymlinkTargetRecordAttackTest, identity.TlsRefusalRecordSizeAttackTest).
 */
public final class BoundedWord {
    private BoundedWord() {}

    public static String of(String text) {
        return fits(text) ? DetailWords.word(text) : DetailWords.word(prefix(text)) + digest(text);
    }

    /**
     * {@code text} bounded as {@link #of} bounds it, not made a word: for a caller that makes one word of it with
     * text of its own around it (a TLS peer's description, whose certificate subject is the client's choice). A
     * {@code %} of the text's own is written {@code %25} here, the marker's not: the caller's escape then makes them
     * {@code %2525} and {@code %25[}, where both were {@code %25[} and a subject could look truncated
     * (BoundedWordTest); {@link DetailWords#text} of the shown text gives the text back.
     */
    public static String shown(String text) {
        String own = percents(text);
        return fits(own) ? own : percents(shownPrefix(text)) + digest(text);
    }

    /** As {@link #prefix}, counting a {@code %} as the five record bytes of its {@code %25} escaped once more. */
    private static String shownPrefix(String text) {
        return prefixWithin(text, AbbreviatedPath.PREFIX_BYTES, c -> AbbreviatedPath.recordBytes(percents(c)));
    }

    private static String percents(String text) {
        return text.replace("%", "%25");
    }

    // recordBytes counts '%', space and '=' as the three bytes DetailWords.word makes of each
    private static boolean fits(String text) {
        return AbbreviatedPath.recordBytes(text) <= AbbreviatedPath.MAX_BYTES;
    }

    private static String prefix(String text) {
        return prefixWithin(text, AbbreviatedPath.PREFIX_BYTES);
    }

    private static String digest(String text) {
        byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
        return "...%[" + utf8.length + "-bytes-sha256-"
                + HexFormat.of().formatHex(Sha256.newDigest().digest(utf8)) + "]";
    }

    /** The longest prefix of whole characters of {@code text} that takes at most {@code max} bytes of a record. */
    public static String prefixWithin(String text, int max) {
        return prefixWithin(text, max, AbbreviatedPath::recordBytes);
    }

    private static String prefixWithin(String text, int max, ToIntFunction<String> recordBytes) {
        int end = 0;
        int kept = 0;
        while (end < text.length()) {
            int next = end + Character.charCount(text.codePointAt(end));
            int size = recordBytes.applyAsInt(text.substring(end, next));
            if (kept + size > max) {
                break;
            }
            kept += size;
            end = next;
        }
        return text.substring(0, end);
    }
}
