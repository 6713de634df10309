package io.p9gate.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/**
 * A bounded word ({@code target=WORD} of a Tsymlink's record) is one word of the detail, as docs/audit-format.md says
 * of guest text: its marker held spaces ({@code ...[5000 bytes, sha256 HEX]}), so a reader splitting the detail into
 * words read {@code target=} as its prefix and three more words ({@code bytes,}, {@code sha256}, {@code HEX]}).
 */
class BoundedWordTest {
    private static final String LONG = "t".repeat(5_000);

    @Test
    void aBoundedTextIsOneWordThatNamesItsLengthAndDigest() throws Exception {
        String word = BoundedWord.of(LONG);
        assertFalse(word.contains(" "), word);
        String sha256 = HexFormat.of()
                .formatHex(java.security.MessageDigest.getInstance("SHA-256")
                        .digest(LONG.getBytes(StandardCharsets.UTF_8)));
        assertTrue(word.endsWith("5000-bytes-sha256-" + sha256 + "]"), word);
        assertEquals(word, DetailWords.text(word), "decoding a bounded word keeps its marker as it is");
    }

    /** Text the guest chose cannot read as the marker: its {@code %} is written {@code %25}. */
    @Test
    void guestTextCannotPoseAsTheMarker() {
        String word = BoundedWord.of(LONG);
        String marker = word.substring(word.indexOf("...%["));
        String posing = "ttt" + marker;
        assertNotEquals(posing, BoundedWord.of(posing));
        assertEquals(posing, DetailWords.text(BoundedWord.of(posing)));
        assertEquals("short text", DetailWords.text(BoundedWord.of("short text")));
    }

    /**
     * A peer's text shown inside a word the caller escapes whole (a TLS peer's certificate subject in {@code peer=}):
     * the marker was added before that escape, so in the record it read {@code %25[}, exactly as a short subject's
     * own {@code ...%[...]} did, and a peer could present a subject that looked truncated. The peer's {@code %} is now
     * one escape deeper than the marker's, and the subject reads back after the caller's escape and this one.
     */
    @Test
    void aShownPeerTextCannotPoseAsTheMarkerInTheCallersWord() {
        String truncated = DetailWords.peer("subject=" + BoundedWord.shown(LONG));
        String marker = BoundedWord.of(LONG).substring(BoundedWord.of(LONG).indexOf("...%["));
        String posing = "CN=x" + marker;
        String posed = DetailWords.peer("subject=" + BoundedWord.shown(posing));
        String markerInRecord = DetailWords.word(marker.substring(0, marker.indexOf('[') + 1));
        assertTrue(truncated.contains(markerInRecord), truncated);
        assertFalse(posed.contains(markerInRecord), "a subject's own text reads as no marker: " + posed);
        String shown = DetailWords.text(posed.substring(DetailWords.PEER.length()));
        assertEquals("subject=" + posing, DetailWords.text(shown));
        String plain = DetailWords.peer("subject=" + BoundedWord.shown("CN=a b"));
        assertEquals("subject=CN=a b", DetailWords.text(DetailWords.text(plain.substring(DetailWords.PEER.length()))));
    }

    /**
     * A shown peer text past the bound keeps its first characters within {@link
     * io.p9gate.audit.read.AbbreviatedPath#PREFIX_BYTES} record bytes, as docs/audit-format.md says, once the caller
     * escapes it: its {@code %} became {@code %25} after the prefix was cut, and the caller's escape {@code %2525}, so
     * a subject of {@code %} kept 1,705 bytes of them.
     */
    @Test
    void aShownPeerTextOfPercentsKeepsItsPrefixWithinTheBound() {
        String word = DetailWords.word(BoundedWord.shown("%".repeat(5_000)));
        String prefix = word.substring(0, word.indexOf(DetailWords.word("...%[")));
        assertTrue(
                io.p9gate.audit.read.AbbreviatedPath.recordBytes(DetailWords.text(prefix))
                        <= io.p9gate.audit.read.AbbreviatedPath.PREFIX_BYTES,
                prefix.length() + " characters");
        assertTrue(prefix.startsWith("%2525"), prefix);
    }
}
