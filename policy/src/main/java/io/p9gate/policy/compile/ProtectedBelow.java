package io.p9gate.policy.compile;

import io.p9gate.policy.terms.PathPattern;
import io.p9gate.policy.terms.SharePath;
import java.util.List;

/**
 * The deny rules (hidden, read-only, deny) whose scope lies strictly below a path: what a rename of
 * that path would carry out of, or plant into, the rule's reach (R-POL-3, R-POL-4). A rule decides
 * paths, not inodes, so moving an ancestor of its scope is decided here rather than by the rule.
 *
 * <p>For a glob with {@code **} only its fixed prefix and its ancestors count ({@code /cache} for
 * {@code /cache/**}{@code /*.sh}): below that prefix every directory may hold a match, and refusing
 * every rename there would refuse plain file renames too (a path does not say whether it names a file); a
 * directory's rename there is {@link MovedDirectory}'s to decide.
 */
public final class ProtectedBelow {

    private ProtectedBelow() {}

    /** Ids of the deny rules of this VM's share with scope strictly below {@code path}, sorted. */
    public static List<String> ruleIds(List<CompiledRule> rules, String vm, String share, SharePath path) {
        return rules.stream()
                .filter(r -> r.deniesIn(vm, share))
                .filter(r -> strictlyBelow(r.scope(), path))
                .map(CompiledRule::id)
                .sorted()
                .toList();
    }

    private static boolean strictlyBelow(Scope scope, SharePath path) {
        return switch (scope) {
            // The whole share stays the whole share wherever things move.
            case Scope.WholeShare w -> false;
            case Scope.Subtree s -> s.top().depth() > path.depth() && s.top().isWithin(path);
            case Scope.Matching m -> m.patterns().stream().anyMatch(p -> prefixBelow(p, path));
            // Only permits are compiled to LeadingTo scopes; nothing to protect.
            case Scope.LeadingTo l -> false;
        };
    }

    /**
     * Whether a path matching the pattern can lie strictly below {@code path} while {@code path} is at
     * or above the pattern's fixed prefix. {@link PathPattern#leadsTo} answers the first part; a
     * {@code **} pattern also matches below its prefix itself, so renaming the prefix counts.
     */
    private static boolean prefixBelow(PathPattern pattern, SharePath path) {
        int fixed = pattern.prefix().size();
        return pattern.leadsTo(path) && (pattern.globstar() ? path.depth() <= fixed : path.depth() < fixed);
    }
}
