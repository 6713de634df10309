package io.p9gate.policy.terms;

import java.util.ArrayList;
import java.util.List;

/**
 * A path glob over share-relative paths. Segments are separated by '/'. Inside a segment {@code *}
 * matches any run of characters (never '/'); a whole segment {@code **} matches zero or more segments
 * and may appear at most once. So {@code /logs/**} is /logs and everything below it,
 * {@code /logs/**}{@code /*.log} every .log file at any depth under /logs, {@code /*} every top-level name.
 *
 * <p>The restriction to one {@code **} is what makes every pattern expressible exactly in Cedar
 * (fixed-position segments from the front, {@code s0..}, and from the back, {@code r0..}), so the
 * compiled Cedar policy and the fast evaluator match the same paths.
 *
 * @param prefix segments before {@code **} (all of them when there is none)
 * @param suffix segments after {@code **}
 */
public record PathPattern(String text, List<String> prefix, boolean globstar, List<String> suffix) {

    /** Most fixed segments a pattern may have (each is a Cedar attribute). */
    public static final int MAX_SEGMENTS = 16;

    public PathPattern {
        prefix = List.copyOf(prefix);
        suffix = List.copyOf(suffix);
    }

    /** @throws IllegalArgumentException with a one-line reason */
    public static PathPattern parse(String text) {
        if (!text.startsWith("/")) throw new IllegalArgumentException("pattern must start with '/'");
        List<String> pre = new ArrayList<>();
        List<String> post = new ArrayList<>();
        boolean star2 = false;
        if (!text.equals("/")) {
            if (text.endsWith("/")) throw new IllegalArgumentException("pattern must not end with '/'");
            for (String seg : text.substring(1).split("/", -1)) {
                if (seg.isEmpty() || seg.equals(".") || seg.equals("..")) {
                    throw new IllegalArgumentException("pattern has an empty, '.' or '..' segment");
                }
                if (seg.equals("**")) {
                    if (star2) throw new IllegalArgumentException("pattern may contain '**' only once");
                    star2 = true;
                } else if (seg.contains("**")) {
                    throw new IllegalArgumentException("'**' must be a whole segment");
                } else {
                    (star2 ? post : pre).add(seg);
                }
            }
        }
        if (pre.size() + post.size() > MAX_SEGMENTS) {
            throw new IllegalArgumentException("pattern has more than " + MAX_SEGMENTS + " fixed segments");
        }
        return new PathPattern(text, pre, star2, post);
    }

    /** A pattern without wildcards naming exactly one path. */
    public boolean isLiteral() {
        return !globstar && prefix.stream().noneMatch(s -> s.indexOf('*') >= 0);
    }

    public boolean matches(SharePath path) {
        List<String> segs = path.segments();
        int n = segs.size();
        if (!globstar) return n == prefix.size() && segmentsMatch(prefix, segs, 0);
        if (n < prefix.size() + suffix.size()) return false;
        return segmentsMatch(prefix, segs, 0) && segmentsMatch(suffix, segs, n - suffix.size());
    }

    /**
     * Whether {@code path} is a strict ancestor-or-prefix through which a matching path can be reached:
     * what "traverse" (walk/getattr of the directories leading to an allowed path) grants.
     */
    public boolean leadsTo(SharePath path) {
        int n = path.depth();
        int k = prefix.size();
        if (!globstar) return n < k && segmentsMatch(prefix.subList(0, n), path.segments(), 0);
        return segmentsMatch(prefix.subList(0, Math.min(n, k)), path.segments(), 0);
    }

    /**
     * Whether a directory moved from {@code from} to {@code to} keeps every path below it that this pattern matched
     * matched: for every relative path {@code r} (not empty), {@code from/r} matching implies {@code to/r} matching.
     * Trivially true unless this is a {@code **} pattern and {@code from} lies strictly below its fixed prefix (at or
     * above the prefix a rename is refused whole, {@code ProtectedBelow}). Exact where {@code to} is at or below the
     * prefix; anywhere else it answers false (fail closed), though a wildcard prefix could let a shallower
     * destination match again.
     *
     * <p>Below such a {@code from} a path matches when its last {@code suffix.size()} segments match the suffix. A
     * descendant at least that deep is decided by its own names alone, the same under {@code to} if {@code to}
     * matches the prefix. A shallower one ({@code t} names below, {@code t < suffix.size()}) also needs the last
     * {@code suffix.size() - t} names of the moved directory to match the suffix's first ones, and its depth to reach
     * prefix plus suffix: what {@link #tailMatches} compares for both places. Moving into the glob's reach (a
     * descendant matched only under {@code to}) narrows and is kept.
     */
    public boolean keepsMatchesBelow(SharePath from, SharePath to) {
        int k = prefix.size();
        if (!globstar || from.depth() <= k || !leadsTo(from)) return true;
        if (to.depth() < k || !leadsTo(to)) return false;
        for (int t = 1; t < suffix.size(); t++) {
            if (tailMatches(from, t) && !tailMatches(to, t)) return false;
        }
        return true;
    }

    /**
     * For a directory at or below the fixed prefix, whether its descendants {@code t} names deeper can match: deep
     * enough, and its last {@code suffix.size() - t} names match the suffix's first ones.
     */
    private boolean tailMatches(SharePath dir, int t) {
        int own = suffix.size() - t;
        int n = dir.depth();
        return n + t >= prefix.size() + suffix.size() && segmentsMatch(suffix.subList(0, own), dir.segments(), n - own);
    }

    private static boolean segmentsMatch(List<String> pats, List<String> segs, int from) {
        for (int i = 0; i < pats.size(); i++) {
            if (!Glob.matches(pats.get(i), segs.get(from + i))) return false;
        }
        return true;
    }

    @Override
    public String toString() {
        return text;
    }

    /** Cedar {@code like} semantics for one segment: '*' matches any (possibly empty) run of code points. */
    static final class Glob {
        private Glob() {}

        static boolean matches(String pattern, String s) {
            if (pattern.indexOf('*') < 0) return pattern.equals(s);
            // Code point by code point over the strings themselves: every decision of a kind a glob rule names runs
            // this, and arrays of the code points were most of such a decision's garbage (issue 11). '*' is one char.
            int pi = 0, ti = 0, starP = -1, starT = 0;
            int pn = pattern.length(), tn = s.length();
            while (ti < tn) {
                int pc = pi < pn ? pattern.codePointAt(pi) : -1;
                int tc = s.codePointAt(ti);
                if (pc == '*') {
                    starP = pi++;
                    starT = ti;
                } else if (pc == tc) {
                    pi += Character.charCount(pc);
                    ti += Character.charCount(tc);
                } else if (starP >= 0) {
                    pi = starP + 1;
                    starT += Character.charCount(s.codePointAt(starT));
                    ti = starT;
                } else {
                    return false;
                }
            }
            while (pi < pn && pattern.charAt(pi) == '*') pi++;
            return pi == pn;
        }
    }
}
