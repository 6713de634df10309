package io.p9gate.policy.compile;

import io.p9gate.policy.model.Effect;
import io.p9gate.policy.terms.OpKind;
import java.util.Set;

/**
 * One rule in the form both evaluators consume: the Cedar writer turns it into a policy, the fast
 * evaluator tests it directly. {@code errno} is what a matching DENY makes the operation fail with.
 */
public record CompiledRule(
        String id, Effect effect, String vm, String share, Set<OpKind> ops, Scope scope, String errno) {
    public CompiledRule {
        ops = Set.copyOf(ops);
    }

    /** Whether this is a deny rule of {@code vm}'s share {@code share}: what a rename must not carry content across. */
    boolean deniesIn(String vm, String share) {
        return effect == Effect.DENY && this.vm.equals(vm) && this.share.equals(share);
    }
}
