package io.p9gate.policy.compile;

import io.p9gate.policy.terms.OpKind;
import io.p9gate.policy.terms.PathPattern;
import io.p9gate.policy.terms.SharePath;
import java.util.List;

/**
 * The deny rules a directory's rename would carry some of its content out of: {@code **} globs whose fixed prefix
 * the directory lies strictly below. {@link ProtectedBelow} covers the prefix and above for every rename; below it a
 * file's rename is decided by the rule on its two paths, but a directory's takes everything under it along, and
 * {@code mv /cache/d /d} would free a {@code /cache/d/x.sh} a deny of {@code /cache/**}{@code /*.sh} covers. So a
 * rename whose source is a directory is refused unless every path below it that such a rule matches is still
 * matched at the destination ({@link PathPattern#keepsMatchesBelow}). The other way round, a rule that denies CREATE
 * also refuses a directory's move that makes names match below it that did not before: {@code mkdir /tmp/d;
 * echo > /tmp/d/x.sh; mv /tmp/d /cache/d} would plant a script a deny of CREATE on {@code /cache/**}{@code /*.sh}
 * forbids, as {@code mv x.txt /cache/x.sh} is refused for a file.
 */
public final class MovedDirectory {

    private MovedDirectory() {}

    /**
     * Ids of this VM's share's deny rules that moving the directory {@code from} to {@code to} escapes, or plants
     * names in that they forbid creating, sorted.
     */
    public static List<String> ruleIds(
            List<CompiledRule> rules, String vm, String share, SharePath from, SharePath to) {
        return rules.stream()
                .filter(r -> r.deniesIn(vm, share))
                .filter(r -> r.scope() instanceof Scope.Matching m
                        && m.patterns().stream()
                                .anyMatch(p -> !p.keepsMatchesBelow(from, to)
                                        || r.ops().contains(OpKind.CREATE) && !p.keepsMatchesBelow(to, from)))
                .map(CompiledRule::id)
                .sorted()
                .toList();
    }
}
