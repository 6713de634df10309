package io.p9gate.policy.terms;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link PathPattern#keepsMatchesBelow}: whether moving a directory keeps every path below it that a {@code **}
 * glob matched matched. Checked on examples, and against every descendant up to four names deep over a small
 * alphabet: never true where some descendant stops matching, and exact where the destination is at or below the
 * glob's fixed prefix.
 */
class KeepsMatchesBelowTest {

    private static boolean keeps(String pattern, String from, String to) {
        return PathPattern.parse(pattern).keepsMatchesBelow(SharePath.of(from), SharePath.of(to));
    }

    @Test
    void aDirectoryMovedOutOfTheGlobsPrefixDoesNotKeepItsMatches() {
        assertFalse(keeps("/logs/**/*.sh", "/logs/d", "/d"));
        assertFalse(keeps("/logs/**/*.sh", "/logs/a/b", "/other/a/b"));
        assertFalse(keeps("/logs/**", "/logs/d", "/d"));
        assertFalse(keeps("/home/*/**/*.key", "/home/alice/d", "/tmp/d"));
    }

    @Test
    void withinThePrefixAOneNameSuffixKeepsEveryMatch() {
        assertTrue(keeps("/logs/**/*.sh", "/logs/d", "/logs/e"));
        assertTrue(keeps("/logs/**/*.sh", "/logs/d", "/logs/x/y/z"));
        assertTrue(keeps("/logs/**/*.sh", "/logs/d.sh", "/logs/d.txt"), "the directory's own name: not below it");
        assertTrue(keeps("/home/*/**/*.key", "/home/alice/d", "/home/bob/d"));
    }

    @Test
    void aLongerSuffixComparesTheMovedDirectorysOwnNames() {
        assertFalse(keeps("/logs/**/keys/*.key", "/logs/a/keys", "/logs/a/other"), "/logs/a/keys/x.key escapes");
        assertTrue(keeps("/logs/**/keys/*.key", "/logs/a/other", "/logs/a/keys"), "into the glob's reach: narrows");
        assertTrue(keeps("/logs/**/keys/*.key", "/logs/a/keys", "/logs/b/keys"));
        assertFalse(keeps("/logs/**/keys/*.key", "/logs/a/keys", "/logs"), "too shallow for keys/x.key to match");
    }

    @Test
    void outsideAGlobstarsPrefixOrWithoutOneThereIsNothingToKeep() {
        assertTrue(keeps("/logs/**/*.sh", "/tmp/d", "/d"), "not below the prefix");
        assertTrue(keeps("/logs/**/*.sh", "/logs", "/l2"), "the prefix itself: the ancestor check's");
        assertTrue(keeps("/logs/*/x.sh", "/logs/d", "/d"), "no **: the ancestor check's");
        assertTrue(keeps("/**/*.sh", "/d", "/e"), "an empty prefix: every destination is below it");
    }

    private static final List<String> NAMES = List.of("a", "keys", "x.key", "x.sh", "logs");

    @Test
    void agreesWithEveryDescendantOnSmallTrees() {
        List<String> patterns = List.of(
                "/logs/**/*.sh", "/logs/**", "/logs/**/keys/*.key", "/*/**/keys/*", "/**/keys/a/*", "/logs/a/**/x.sh");
        List<String> dirs = List.of(
                "/logs/a",
                "/logs/keys",
                "/logs/a/keys",
                "/a",
                "/a/keys",
                "/logs/a/keys/a",
                "/keys/keys",
                "/logs/logs/a",
                "/logs");
        List<List<String>> below = descendants(4);
        for (String text : patterns) {
            PathPattern p = PathPattern.parse(text);
            for (String from : dirs) {
                for (String to : dirs) {
                    boolean escapes = false;
                    for (List<String> r : below) {
                        if (p.matches(under(from, r)) && !p.matches(under(to, r))) {
                            escapes = true;
                            break;
                        }
                    }
                    if (!belowPrefix(p, from)) {
                        continue; // at or above the prefix: ProtectedBelow refuses the rename whatever this says
                    }
                    boolean keeps = p.keepsMatchesBelow(SharePath.of(from), SharePath.of(to));
                    String what = text + ": " + from + " -> " + to;
                    if (keeps) {
                        assertFalse(escapes, what + " said to keep its matches");
                    }
                    if (atOrBelowPrefix(p, to)) {
                        assertEquals(!escapes, keeps, what);
                    }
                }
            }
        }
    }

    private static boolean belowPrefix(PathPattern p, String dir) {
        SharePath path = SharePath.of(dir);
        return p.globstar() && path.depth() > p.prefix().size() && p.leadsTo(path);
    }

    private static boolean atOrBelowPrefix(PathPattern p, String dir) {
        SharePath path = SharePath.of(dir);
        return path.depth() >= p.prefix().size() && p.leadsTo(path);
    }

    private static SharePath under(String dir, List<String> names) {
        return SharePath.of(dir + "/" + String.join("/", names));
    }

    private static List<List<String>> descendants(int depth) {
        List<List<String>> all = new ArrayList<>();
        List<List<String>> level = List.of(List.of());
        for (int d = 1; d <= depth; d++) {
            List<List<String>> next = new ArrayList<>();
            for (List<String> prefix : level) {
                for (String name : NAMES) {
                    List<String> r = new ArrayList<>(prefix);
                    r.add(name);
                    next.add(r);
                }
            }
            all.addAll(next);
            level = next;
        }
        return all;
    }
}
