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
}
