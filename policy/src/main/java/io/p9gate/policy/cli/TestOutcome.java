package io.p9gate.policy.cli;

import io.p9gate.policy.model.SourcePos;
import java.util.Locale;

/**
 * How one case of a policy test file ended. {@code detail} says what was decided (passed), what differs
 * (failed), or why the case cannot be run against the policy (error).
 *
 * @param kind {@code decision}, {@code ids} or {@code quota}
 * @param vm   the VM the case names, as written
 */
record TestOutcome(String name, String kind, String vm, SourcePos pos, Status status, String detail) {
    enum Status {
        PASSED,
        FAILED,
        ERROR;

        String word() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** The text output's line for it: {@code pos: PASS|FAIL name: detail} or {@code pos: error: name: detail}. */
    String line() {
        return switch (status) {
            case PASSED -> pos + ": PASS " + name + ": " + detail;
            case FAILED -> pos + ": FAIL " + name + ": " + detail;
            case ERROR -> pos + ": error: " + name + ": " + detail;
        };
    }
}
