package io.p9gate.policy.lint;

import io.p9gate.policy.model.SourcePos;

/**
 * One lint result: something legal but probably not what the author meant. {@code aboutThisHost} marks findings
 * that depend on the machine the check runs on (a share directory missing here), not on the policy itself: a
 * build host packaging the policy for an ECU is not that ECU.
 */
public record LintFinding(SourcePos pos, String message, boolean aboutThisHost) {
    public LintFinding(SourcePos pos, String message) {
        this(pos, message, false);
    }

    @Override
    public String toString() {
        return pos + ": warning: " + message;
    }
}
