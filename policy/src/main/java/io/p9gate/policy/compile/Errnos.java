package io.p9gate.policy.compile;

import java.util.Collection;
import java.util.List;

/**
 * Which errno a denial carries when several forbids match: hiding wins (a hidden path must look absent,
 * never "read-only"), then read-only, then plain refusal. A default deny (no permit) is EACCES too.
 */
public final class Errnos {

    private static final List<String> PRECEDENCE =
            List.of(RuleCompiler.ENOENT, RuleCompiler.EROFS, RuleCompiler.EACCES);

    private Errnos() {}

    public static String strongest(Collection<String> errnos) {
        for (String e : PRECEDENCE) if (errnos.contains(e)) return e;
        return RuleCompiler.EACCES;
    }

    /** Whether a hand-written policy may name this errno in its @errno annotation. */
    public static boolean isKnown(String errno) {
        return PRECEDENCE.contains(errno);
    }
}
