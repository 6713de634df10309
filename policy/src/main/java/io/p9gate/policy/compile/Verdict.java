package io.p9gate.policy.compile;

import java.util.List;

/**
 * The answer to one {@link io.p9gate.policy.terms.PathQuestion}: allowed or not, the errno of a denial, and
 * the ids of the rules that decided (sorted): matching permits when allowed, matching forbids when
 * denied (none for a default deny).
 */
public record Verdict(boolean allowed, String errno, List<String> ruleIds) {
    public Verdict {
        // Most verdicts name one rule or none: copied as they are, without a stream and a sort per decision.
        ruleIds = ruleIds.size() < 2
                ? List.copyOf(ruleIds)
                : ruleIds.stream().sorted().toList();
    }
}
