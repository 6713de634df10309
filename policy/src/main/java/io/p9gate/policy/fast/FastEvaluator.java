package io.p9gate.policy.fast;

import io.p9gate.policy.compile.CompiledRule;
import io.p9gate.policy.compile.Errnos;
import io.p9gate.policy.compile.PathEvaluator;
import io.p9gate.policy.compile.Verdict;
import io.p9gate.policy.model.Effect;
import io.p9gate.policy.terms.OpKind;
import io.p9gate.policy.terms.PathQuestion;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Evaluates the compiled YAML rules directly, with Cedar's combining semantics (any matching forbid
 * denies; otherwise any matching permit allows; otherwise deny). Rules are indexed by (vm, share, op) so
 * a decision only tests the rules that could apply. Valid only for policy sets without hand-written
 * Cedar, which this evaluator cannot see; {@link io.p9gate.policy.PolicyEngine} uses Cedar then.
 */
public final class FastEvaluator implements PathEvaluator {

    /** VM, then share, then op: looked up per decision without building a key. */
    private final Map<String, Map<String, Map<OpKind, List<CompiledRule>>>> byVm = new HashMap<>();

    public FastEvaluator(List<CompiledRule> rules) {
        for (CompiledRule r : rules) {
            Map<OpKind, List<CompiledRule>> byOp = byVm.computeIfAbsent(r.vm(), k -> new HashMap<>())
                    .computeIfAbsent(r.share(), k -> new EnumMap<>(OpKind.class));
            for (OpKind op : r.ops())
                byOp.computeIfAbsent(op, k -> new ArrayList<>()).add(r);
        }
    }

    @Override
    public Verdict evaluate(PathQuestion q) {
        Map<String, Map<OpKind, List<CompiledRule>>> byShare = byVm.get(q.vm());
        Map<OpKind, List<CompiledRule>> byOp = byShare == null ? null : byShare.get(q.share());
        List<CompiledRule> candidates = byOp == null ? null : byOp.get(q.op());
        if (candidates == null) return new Verdict(false, "EACCES", List.of());
        // Usually one permit matches: its id is kept as is, a list is made only for a second one.
        String permit = null;
        List<String> permits = null;
        List<String> forbids = null;
        List<String> errnos = null;
        for (CompiledRule r : candidates) {
            if (!r.scope().contains(q.path())) continue;
            if (r.effect() == Effect.ALLOW) {
                if (permit == null) {
                    permit = r.id();
                } else {
                    if (permits == null) {
                        permits = new ArrayList<>(2);
                        permits.add(permit);
                    }
                    permits.add(r.id());
                }
            } else {
                if (forbids == null) {
                    forbids = new ArrayList<>(2);
                    errnos = new ArrayList<>(2);
                }
                forbids.add(r.id());
                errnos.add(r.errno());
            }
        }
        if (forbids != null) return new Verdict(false, Errnos.strongest(errnos), forbids);
        if (permits != null) return new Verdict(true, null, permits);
        if (permit != null) return new Verdict(true, null, List.of(permit));
        return new Verdict(false, "EACCES", List.of());
    }
}
