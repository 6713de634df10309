package io.p9gate.audit;

/** What the policy engine decided for one request. */
public enum Outcome {
    ALLOW,
    DENY;

    /** The lower-case spelling stored in records ({@code "allow"} / {@code "deny"}). */
    public String wire() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
