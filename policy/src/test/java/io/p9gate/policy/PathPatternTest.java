package io.p9gate.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.p9gate.policy.terms.PathPattern;
import io.p9gate.policy.terms.SharePath;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The glob language of rules (documented in docs/policy.md); the Cedar translation is checked against this. */
class PathPatternTest {

    @ParameterizedTest(name = "{0} matches {1}: {2}")
    @CsvSource({
        "/logs/**, /logs, true",
        "/logs/**, /logs/a/b, true",
        "/logs/**, /logsx, false",
        "/logs/**, /, false",
        "/**, /, true",
        "/**, /a/b/c, true",
        "/*, /a, true",
        "/*, /a/b, false",
        "/*, /, false",
        "/, /, true",
        "/, /a, false",
        "/logs/**/*.log, /logs/a.log, true",
        "/logs/**/*.log, /logs/x/y/a.log, true",
        "/logs/**/*.log, /logs/x/a.txt, false",
        "/logs/**/*.log, /logs, false",
        "/a*/b, /abc/b, true",
        "/a*/b, /a/x/b, false",
        "/**/secret, /x/y/secret, true",
        "/**/secret, /secret, true",
        "/**/secret, /secretx, false",
    })
    void matches(String pattern, String path, boolean expected) {
        assertEquals(expected, PathPattern.parse(pattern).matches(SharePath.of(path)));
    }

    @ParameterizedTest(name = "{0} leads through {1}: {2}")
    @CsvSource({
        "/logs/vm/**, /, true",
        "/logs/vm/**, /logs, true",
        "/logs/vm/**, /logs/vm, true",
        "/logs/vm/**, /other, false",
        "/logs/vm/a.log, /logs/vm, true",
        "/logs/vm/a.log, /logs/vm/a.log, false",
        "/**/*.log, /any/where, true",
    })
    void leadsTo(String pattern, String path, boolean expected) {
        assertEquals(expected, PathPattern.parse(pattern).leadsTo(SharePath.of(path)));
    }

    @ParameterizedTest
    @CsvSource({"logs", "/a/**/b/**", "/a**", "/a/../b", "/a/", "/a//b"})
    void refusesMalformedPatterns(String pattern) {
        assertThrows(IllegalArgumentException.class, () -> PathPattern.parse(pattern));
    }
}
