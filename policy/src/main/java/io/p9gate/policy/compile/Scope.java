package io.p9gate.policy.compile;

import io.p9gate.policy.terms.PathPattern;
import io.p9gate.policy.terms.SharePath;
import java.util.List;

/** Which paths of a share a compiled rule applies to. */
public sealed interface Scope {

    boolean contains(SharePath path);

    /** Every path of the share. */
    record WholeShare() implements Scope {
        public boolean contains(SharePath path) {
            return true;
        }
    }

    /** A subtree: the path itself and everything below it. */
    record Subtree(SharePath top) implements Scope {
        public boolean contains(SharePath path) {
            return path.isWithin(top);
        }
    }

    /** Paths matching any of the globs. */
    record Matching(List<PathPattern> patterns) implements Scope {
        public Matching {
            patterns = List.copyOf(patterns);
        }

        public boolean contains(SharePath path) {
            for (PathPattern p : patterns) if (p.matches(path)) return true;
            return false;
        }
    }

    /** The directories one must pass to reach a path matching any of the globs ({@link PathPattern#leadsTo}). */
    record LeadingTo(List<PathPattern> patterns) implements Scope {
        public LeadingTo {
            patterns = List.copyOf(patterns);
        }

        public boolean contains(SharePath path) {
            for (PathPattern p : patterns) if (p.leadsTo(path)) return true;
            return false;
        }
    }
}
