package io.p9gate.policy.load;

import io.p9gate.policy.model.SourcePos;
import java.io.Serial;

/** A policy that cannot be used, with where the problem is: its message is "file:line:col: reason". */
public final class PolicyLoadException extends Exception {

    @Serial
    private static final long serialVersionUID = 1L;
    /** Exceptions are never serialised here, and a {@link java.nio.file.Path} cannot be. */
    private final transient SourcePos pos;

    private final String reason;

    public PolicyLoadException(SourcePos pos, String reason) {
        super(pos + ": " + reason);
        this.pos = pos;
        this.reason = reason;
    }

    public SourcePos pos() {
        return pos;
    }

    public String reason() {
        return reason;
    }
}
