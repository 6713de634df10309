package io.p9gate.policy.terms;

import static org.junit.jupiter.api.Assertions.assertEquals;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * A segment glob matched over the strings agrees with the code-point arrays it was matched over before (issue 11's
 * allocation cut): the same answer for every pattern and name, with '*' runs, repeated letters that make the
 * matcher go back, and names outside the BMP and lone surrogates, where a char is not a code point.
 */
class GlobProperties {
    @Property(tries = 3000)
    void agreesWithCodePointArrays(@ForAll("patterns") String pattern, @ForAll("names") String name) {
        assertEquals(arrays(pattern, name), PathPattern.Glob.matches(pattern, name), pattern + " against " + name);
    }

    @Provide
    Arbitrary<String> patterns() {
        return Arbitraries.strings().withChars("*ab.\uD83D\uDE00\uDE00\uD83D").ofMaxLength(8);
    }

    @Provide
    Arbitrary<String> names() {
        return Arbitraries.strings().withChars("ab.*\uD83D\uDE00\uDE00\uD83D").ofMaxLength(10);
    }

    /** The matcher as it was: over arrays of the code points. */
    private static boolean arrays(String pattern, String s) {
        if (pattern.indexOf('*') < 0) return pattern.equals(s);
        int[] p = pattern.codePoints().toArray();
        int[] t = s.codePoints().toArray();
        int pi = 0, ti = 0, starP = -1, starT = 0;
        while (ti < t.length) {
            if (pi < p.length && p[pi] == '*') {
                starP = pi++;
                starT = ti;
            } else if (pi < p.length && p[pi] == t[ti]) {
                pi++;
                ti++;
            } else if (starP >= 0) {
                pi = starP + 1;
                ti = ++starT;
            } else {
                return false;
            }
        }
        while (pi < p.length && p[pi] == '*') pi++;
        return pi == p.length;
    }
}
