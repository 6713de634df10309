package io.p9gate.gateway.session;

import io.p9gate.policy.dialect.Dialect;

/**
 * Thrown by {@link RequestHandlerFactory#open} when the connection's VM may not use the dialect its Tversion asked
 * for (the policy's {@code dialects:}): the session answers Rversion "unknown" and opens nothing. The factory has
 * recorded the refusal by then.
 */
public final class DialectRefusedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public DialectRefusedException(String vm, Dialect dialect) {
        super("VM '" + vm + "' may not use " + dialect.version(), null, false, false);
    }
}
