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

    private final Map<String, Map<OpKind, List<CompiledRule>>> byShare = new HashMap<>();

    public FastEvaluator(List<CompiledRule> rules) {
        for (CompiledRule r : rules) {
            Map<OpKind, List<CompiledRule>> byOp =
                    byShare.computeIfAbsent(key(r.vm(), r.share()), k -> new EnumMap<>(OpKind.class));
            for (OpKind op : r.ops())
                byOp.computeIfAbsent(op, k -> new ArrayList<>()).add(r);
        }
    }

    private static String key(String vm, String share) {
        return vm + '\0' + share;
    }

    @Override
    public Verdict evaluate(PathQuestion q) {
        Map<OpKind, List<CompiledRule>> byOp = byShare.get(key(q.vm(), q.share()));
        List<CompiledRule> candidates = byOp == null ? null : byOp.get(q.op());
        if (candidates == null) return new Verdict(false, "EACCES", List.of());
        List<String> permits = new ArrayList<>(2);
        List<String> forbids = null;
        List<String> errnos = null;
        for (CompiledRule r : candidates) {
            if (!r.scope().contains(q.path())) continue;
            if (r.effect() == Effect.ALLOW) {
                permits.add(r.id());
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
        if (!permits.isEmpty()) return new Verdict(true, null, permits);
        return new Verdict(false, "EACCES", List.of());
    }
}
