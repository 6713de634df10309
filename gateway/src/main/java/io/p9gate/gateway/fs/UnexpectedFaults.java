package io.p9gate.gateway.fs;

import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;

/**
 * Where an unexpected RuntimeException (a bug: in the gateway, the policy engine or the audit trail) is logged:
 * once, at ERROR, with its stack trace and the request it broke (type, VM, session, tag), before the guest gets EIO.
 * Ordinary failures are {@link P9Exception}s and never come here. Each place that turns a RuntimeException into
 * EIO calls this exactly once, so a fault is one log line, not one per layer.
 */
public final class UnexpectedFaults {
    private static final System.Logger LOG = System.getLogger(UnexpectedFaults.class.getName());

    private UnexpectedFaults() {}

    /** Logs the fault of {@code where} and returns the EIO the request fails with. */
    public static P9Exception eio(String where, RuntimeException fault) {
        log(where, fault);
        return new P9Exception(Errno.EIO, where + " failed unexpectedly", fault);
    }

    /** Logs the fault of {@code where}, for a caller that fails closed some other way (a denial, a hidden entry). */
    public static void log(String where, RuntimeException fault) {
        LOG.log(
                System.Logger.Level.ERROR,
                where + " failed unexpectedly (bug) serving " + RequestScope.describe(),
                fault);
    }
}
