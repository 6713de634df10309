package io.p9gate.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.policy.terms.OpKind;
import io.p9gate.policy.terms.SharePath;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Seeded differential test at the level of YAML text and whole requests: random policies (globs with escapes,
 * quotes, NFC/NFD names, glob-like characters that are literal here such as {@code [ab]} and {@code ?}) and random
 * requests (every op kind, renames and links, paths 0..24 deep, uid 4294967294) must get the same decision, errno
 * and rule ids from the engine as served (fast path) and from Cedar. A failing seed reproduces.
 */
class YamlPolicyDifferentialTest {
    @TempDir
    Path dir;

    static final String[] NAMES = {
        "a",
        "b",
        "ab",
        "a.b",
        ".x",
        "a\\",
        "\\b",
        "a*b",
        "\"q",
        "caf\u00e9",
        "cafe\u0301",
        "x y",
        "#",
        "[ab]",
        "?",
        "{a,b}",
        "\u00fc",
        "A",
        "a\\*b",
        "'",
        "\uD83D\uDE00",
        ":",
        "..a",
        "a..",
        "%",
        "$x"
    };
    static final String[] GLOBS = {
        "a", "b", "*", "a*", "*b", "*.b", "a\\*", "\\*", "*\\", "[ab]", "?", "caf*", "*\u0301", "\"*", "'*", "A", "*:*",
        "a.b", "\u00fc"
    };

    static String pick(Random r, String[] a) {
        return a[r.nextInt(a.length)];
    }

    static String path(Random r, int max) {
        int n = r.nextInt(max + 1);
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < n; i++) b.append('/').append(pick(r, NAMES));
        return n == 0 ? "/" : b.toString();
    }

    static String glob(Random r) {
        List<String> segs = new ArrayList<>();
        int pre = r.nextInt(4);
        for (int i = 0; i < pre; i++) segs.add(r.nextBoolean() ? pick(r, GLOBS) : pick(r, NAMES));
        if (r.nextBoolean()) {
            segs.add("**");
            int post = r.nextInt(3);
            for (int i = 0; i < post; i++) segs.add(r.nextBoolean() ? pick(r, GLOBS) : pick(r, NAMES));
        }
        return "/" + String.join("/", segs);
    }

    static String q(String s) {
        return "'" + s.replace("'", "''") + "'";
    }

    static final String[] OPS = {
        "read",
        "write",
        "all",
        "WALK",
        "OPEN_READ",
        "OPEN_WRITE",
        "CREATE",
        "RENAME",
        "REMOVE",
        "GETATTR",
        "READDIR",
        "LINK"
    };

    String policy(Random r) {
        StringBuilder b = new StringBuilder("path: /srv/p9gate/data\n");
        b.append("access: ")
                .append(new String[] {"none", "read-only", "read-write"}[r.nextInt(3)])
                .append('\n');
        for (String k : new String[] {"read-only", "hidden"}) {
            int n = r.nextInt(3);
            if (n > 0) {
                b.append(k).append(":\n");
                for (int i = 0; i < n; i++) {
                    String p = path(r, 3);
                    if (p.contains("*")) p = "/a";
                    b.append("  - ").append(q(p)).append('\n');
                }
            }
        }
        int n = r.nextInt(5);
        if (n > 0) b.append("rules:\n");
        for (int i = 0; i < n; i++) {
            b.append("  - effect: ")
                    .append(r.nextInt(3) == 0 ? "deny" : "allow")
                    .append('\n');
            b.append("    ops: [")
                    .append(pick(r, OPS))
                    .append(", ")
                    .append(pick(r, OPS))
                    .append("]\n");
            b.append("    paths: [").append(q(glob(r)));
            if (r.nextBoolean()) b.append(", ").append(q(glob(r)));
            b.append("]\n");
        }
        return b.toString();
    }

    @Test
    void servedDecisionsEqualCedarOnGeneratedYaml() throws Exception {
        int allowed = 0, total = 0;
        for (int seed = 0; seed < 120; seed++) {
            Random r = new Random(seed);
            String text = policy(r);
            PolicyEngine e;
            try {
                e = PolicyEngine.load(PolicyFiles.write(dir, "p" + seed + ".yaml", PolicyFiles.oneShare(text)));
            } catch (Exception ex) {
                throw new AssertionError("seed " + seed + ": " + ex.getMessage() + "\n" + text, ex);
            }
            for (int i = 0; i < 60; i++) {
                OpKind op = OpKind.values()[r.nextInt(OpKind.values().length)];
                String p = path(r, r.nextInt(10) == 0 ? 24 : 4);
                String d = op.hasDestination() ? path(r, 4) : null;
                long uid = r.nextInt(4) == 0 ? 4294967294L : r.nextInt(3);
                DecisionRequest req = new DecisionRequest(
                        "vm1", "data", op, SharePath.of(p), d == null ? null : SharePath.of(d), uid, uid);
                PolicyDecision f = e.decide(req), c = e.decideWithCedar(req);
                total++;
                if (f.allowed()) allowed++;
                assertEquals(c, f, "seed " + seed + ": " + req + "\n" + text);
            }
        }
        // Both outcomes must be common, or the comparison says little.
        assertTrue(allowed > total / 10 && allowed < total * 9 / 10, allowed + " of " + total + " allowed");
    }
}
