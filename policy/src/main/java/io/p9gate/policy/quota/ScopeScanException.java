package io.p9gate.policy.quota;

import java.io.IOException;

/**
 * The scan of a quota scope's top failed (the top, or a directory above it, closed to the gateway's user): the
 * operator's to fix, so the usage is not known and the books cannot be made. Names the scope; the cause says why.
 */
public final class ScopeScanException extends IOException {
    private static final long serialVersionUID = 1L;

    private final transient QuotaSpec scope;

    public ScopeScanException(QuotaSpec scope, IOException cause) {
        super(
                "quota " + scope.id() + " (share " + scope.share() + ", " + scope.subtree() + "): "
                        + cause.getMessage(),
                cause);
        this.scope = scope;
    }

    /** The quota whose scope could not be scanned. */
    public QuotaSpec scope() {
        return scope;
    }

    @Override
    public synchronized IOException getCause() {
        return (IOException) super.getCause();
    }
}
