package io.p9gate.gateway.auditing;

/**
 * The last word of a refusal summary's detail (docs/audit-format.md, "Refusal budget"): {@code repeat_of=<seq>} for
 * repeats of one kind, {@code paths=varied} for kinds over the window's budget. Every other word of a detail starts
 * with the gateway's own key, guest text escaped within it, so no request's own record ends in one.
 */
public final class RefusalSummaryWords {
    static final String REPEAT_OF = "repeat_of=";
    static final String PATHS_VARIED = "paths=varied";

    private RefusalSummaryWords() {}

    /** Whether a decision record with {@code detail} is a summary of refusals the budget counted, not wrote. */
    public static boolean summary(String detail) {
        if (detail == null) {
            return false;
        }
        String last = detail.substring(detail.lastIndexOf(' ') + 1);
        return last.startsWith(REPEAT_OF) || last.equals(PATHS_VARIED);
    }
}
