package io.p9gate.audit;

/** What the policy engine decided for one request. */
public enum Outcome {
    ALLOW("allow"),
    DENY("deny");

    private final String wire;

    Outcome(String wire) {
        this.wire = wire;
    }

    /** The lower-case spelling stored in records: a constant, not lower-cased per record. */
    public String wire() {
        return wire;
    }
}
