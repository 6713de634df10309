package io.p9gate.audit.read;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.audit.StoredPaths;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Collections;
import java.util.HexFormat;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** A share path past 4,095 bytes is stored as its first names, its length and its SHA-256 (docs/audit-format.md). */
class AbbreviatedPathTest {
    /** 254 bytes, in UTF-8 and in a record alike. */
    private static final String NAME = "n".repeat(254);

    private static String levels(int n) {
        return "/" + String.join("/", Collections.nCopies(n, NAME));
    }

    @Test
    void aPathOfAtMost4095BytesIsStoredWhole() {
        String exactly = levels(16) + "/" + "x".repeat(14); // 4,080 + 15 bytes
        assertEquals(4095, exactly.getBytes(StandardCharsets.UTF_8).length);
        assertSame(exactly, AbbreviatedPath.stored(exactly));
        assertSame("/a/b", AbbreviatedPath.stored("/a/b"));
        assertEquals(Optional.empty(), AbbreviatedPath.of(exactly));
        assertTrue(AbbreviatedPath.names(exactly, exactly));
    }

    @Test
    void aLongerPathKeepsItsWholeNamesWithin1KiBItsLengthAndItsDigest() throws Exception {
        String path = levels(300) + "/file";
        byte[] utf8 = path.getBytes(StandardCharsets.UTF_8);
        String stored = AbbreviatedPath.stored(path);
        String digest =
                HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(utf8));
        assertEquals(levels(4) + "//[abbreviated: " + utf8.length + " bytes, sha256 " + digest + "]", stored);
        assertEquals(Optional.of(new AbbreviatedPath(levels(4), utf8.length, digest)), AbbreviatedPath.of(stored));
        assertTrue(AbbreviatedPath.names(stored, path));
        assertFalse(AbbreviatedPath.names(stored, levels(300) + "/other"), "another path of the same length");
        assertTrue(stored.length() < 1200, stored.length() + " characters");
    }

    @Test
    void oneByteOverIsAbbreviatedAndAFirstNameOver1KiBLeavesTheRoot() {
        String over = levels(16) + "/" + "x".repeat(15); // 4,096 bytes
        assertEquals(
                levels(4),
                AbbreviatedPath.of(AbbreviatedPath.stored(over)).orElseThrow().prefix());
        String wide = "/" + "x".repeat(5000); // no entry has such a name; a doctored or refused path might
        String stored = AbbreviatedPath.stored(wide);
        assertTrue(stored.startsWith("///[abbreviated: 5001 bytes, sha256 "), stored);
        assertEquals("/", AbbreviatedPath.of(stored).orElseThrow().prefix());
    }

    /**
     * What counts is what the path takes in a record: a non-ASCII letter is 6 bytes there ({@code \\u00e9}), so 16
     * levels of 127 {@code é} (4,080 bytes of UTF-8) are abbreviated, keeping the one name that fits in 1 KiB.
     */
    @Test
    void escapedCharactersCountAsTheBytesTheyTakeInTheRecord() {
        String e = "/" + "é".repeat(127); // 255 bytes of UTF-8, 763 in a record
        String path = e.repeat(16);
        assertEquals(4080, path.getBytes(StandardCharsets.UTF_8).length);
        AbbreviatedPath stored =
                AbbreviatedPath.of(AbbreviatedPath.stored(path)).orElseThrow();
        assertEquals(e, stored.prefix());
        assertEquals(4080, stored.bytes(), "the length stays the path's UTF-8 bytes");
        String five = e.repeat(5);
        assertSame(five, AbbreviatedPath.stored(five), "3,815 bytes in a record: whole");
        String percent = "/" + "%".repeat(200);
        assertTrue(AbbreviatedPath.of(AbbreviatedPath.stored(percent.repeat(7))).isPresent(), "%25 in a detail word");
        String six = percent.repeat(6);
        assertSame(six, AbbreviatedPath.stored(six), "3,606 bytes");
    }

    /**
     * Since the bound is in record bytes, the shortest abbreviated path is 683 control characters under "/": 684
     * bytes of UTF-8 (4,099 in a record, 6 a character), so N can have 3 digits. The marker the writer made must
     * read back: it did not when N needed 4 digits.
     */
    @Test
    void aPathOfControlCharactersHasAThreeDigitLengthThatReadsBack() {
        String name = "\u0001".repeat(243); // 243 bytes of UTF-8, 1,458 in a record
        String path = ("/" + name).repeat(3); // 732 bytes of UTF-8, 4,377 in a record
        String stored = AbbreviatedPath.stored(path);
        assertTrue(stored.startsWith("///[abbreviated: 732 bytes, sha256 "), stored);
        AbbreviatedPath read = AbbreviatedPath.of(stored).orElseThrow();
        assertEquals(new AbbreviatedPath("/", 732, read.sha256()), read);
        assertTrue(AbbreviatedPath.names(stored, path));
        String shortest = "/" + "\u0001".repeat(683);
        assertEquals(
                684,
                AbbreviatedPath.of(AbbreviatedPath.stored(shortest))
                        .orElseThrow()
                        .bytes());
        String whole = "/" + "\u0001".repeat(682); // 4,093 bytes in a record
        assertSame(whole, AbbreviatedPath.stored(whole));
    }

    /** A path the writer stored is normalised and holds no "//": a guest's own names cannot read as an abbreviation. */
    @Test
    void aGuestNameThatLooksLikeTheMarkerIsNoAbbreviation() {
        String forged = "/a//[abbreviated: 5000 bytes, sha256 " + "0".repeat(64) + "]";
        assertTrue(AbbreviatedPath.of(forged).isPresent(), "the form itself");
        String normalised = StoredPaths.normalise(forged);
        assertEquals(Optional.empty(), AbbreviatedPath.of(AbbreviatedPath.stored(normalised)), normalised);
        assertEquals(Optional.empty(), AbbreviatedPath.of("/a//b"), "\"//\" without the marker (a doctored record)");
        assertEquals(Optional.empty(), AbbreviatedPath.of(null));
    }
}
