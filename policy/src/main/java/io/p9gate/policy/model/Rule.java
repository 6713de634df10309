package io.p9gate.policy.model;

import io.p9gate.policy.terms.OpKind;
import io.p9gate.policy.terms.PathPattern;
import java.util.List;
import java.util.Set;

/** One allow/deny rule of a share: {@code effect} for {@code ops} on paths matching any of {@code paths}. */
public record Rule(String id, Effect effect, Set<OpKind> ops, List<PathPattern> paths, SourcePos pos) {
    public Rule {
        ops = Set.copyOf(ops);
        paths = List.copyOf(paths);
    }
}
