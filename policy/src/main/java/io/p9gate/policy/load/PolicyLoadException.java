package io.p9gate.policy.load;

import io.p9gate.policy.model.SourcePos;

/** A policy that cannot be used, with where the problem is: its message is "file:line:col: reason". */
public final class PolicyLoadException extends Exception {

    private final SourcePos pos;
    private final String reason;

    public PolicyLoadException(SourcePos pos, String reason) {
        super(pos + ": " + reason);
        this.pos = pos;
        this.reason = reason;
    }

    public SourcePos pos() { return pos; }

    public String reason() { return reason; }
}
