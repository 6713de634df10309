package io.p9gate.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Paths in records are share-relative and normalised, but attempted escapes stay visible (R-AUD-1). */
class StoredPathsTest {
    @ParameterizedTest
    @CsvSource({
        "/, /",
        "'', /",
        "a/b, /a/b",
        "//a///b/, /a/b",
        "/a/./b/., /a/b",
        "/a/b/../c, /a/c",
        "/.., /..",
        "/../../etc/passwd, /../../etc/passwd",
        "/a/../../b, /../b",
        "a/, /a",
        "/a/, /a",
        "a/.., /",
        "'..', /..",
        "., /",
        "..a/.b/c.., /..a/.b/c..",
        "/x/..y, /x/..y",
        "/x/y, /x/y",
    })
    void normalises(String in, String out) {
        assertEquals(out, StoredPaths.normalise(in));
    }
}
