package io.p9gate.gateway.budget;

import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import java.io.Serial;

/**
 * A request refused because its VM has used up one of its budgets. The guarded layer records it as a denial
 * whose rule is {@link #rule()} (e.g. {@code budget.fids}), so a budget refusal reads in the audit log like any
 * other denial and is aggregated like one.
 */
public final class OverBudget extends P9Exception {
    @Serial
    private static final long serialVersionUID = 1L;

    private final String rule;

    public OverBudget(Errno errno, String rule, String message) {
        super(errno, message);
        this.rule = rule;
    }

    /** The rule id of the budget: {@code budget.<limit key>}. */
    public String rule() {
        return rule;
    }
}
