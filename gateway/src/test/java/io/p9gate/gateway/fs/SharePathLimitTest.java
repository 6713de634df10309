package io.p9gate.gateway.fs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The PATH_MAX bound on share-relative paths: counted in UTF-8 bytes, with the records' leading "/". */
class SharePathLimitTest {
    /** {@code bytes} bytes of path below the root, as the gateway keeps it (no leading "/"). */
    private static String path(int bytes) {
        return "a/" + "b".repeat(bytes - 2);
    }

    @Test
    void aPathFitsUpTo4095BytesWithItsLeadingSlash() {
        assertTrue(GuestNames.nameable(""), "the root");
        assertTrue(GuestNames.nameable(path(4094)), "/ + 4,094 bytes");
        assertFalse(GuestNames.nameable(path(4095)), "/ + 4,095 bytes");
    }

    @Test
    void bytesNotCharactersCount() {
        String twoByte = "é".repeat(2047); // 4,094 bytes, 2,047 characters
        assertTrue(GuestNames.nameable(twoByte));
        assertFalse(GuestNames.nameable(twoByte + "é"), "2,048 characters, 4,096 bytes");
        assertFalse(GuestNames.nameable("x/" + "€".repeat(1400)), "3-byte characters: 4,202 bytes");
    }

    @Test
    void aRefusedPathBeyondPathMaxIsShownCut() {
        String deep = String.join("/", Collections.nCopies(20, "é".repeat(127)));
        String shown = GuestNames.shown(deep);
        assertTrue(shown.length() < 64, shown);
        assertTrue(shown.endsWith("...[" + deep.getBytes(StandardCharsets.UTF_8).length + " bytes]"), shown);
        String fits = String.join("/", Collections.nCopies(16, "b".repeat(254))); // 4,079 bytes
        assertEquals(fits, GuestNames.shown(fits), "a path within PATH_MAX is shown whole");
    }

    @Test
    void aWalkIsDecidedUpToItsFirstPathBeyondPathMax() {
        List<String> paths = List.of("a", path(4094), path(4095), path(4096));
        assertEquals(paths.subList(0, 2), Walks.nameable(paths), "stops at the first beyond");
        List<String> first = List.of(path(4095), "a");
        assertEquals(first, Walks.nameable(first), "all of it when the first is beyond: refused as a whole");
        assertEquals(List.of(""), Walks.nameable(List.of("")), "a clone of the root");
    }
}
