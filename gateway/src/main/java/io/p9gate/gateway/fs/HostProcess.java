package io.p9gate.gateway.fs;

import java.util.Optional;

/**
 * What the gateway's own process may do on the host, as the policy's checks ask it (the default ownership mode,
 * whether {@code permissions: enforce} can be honoured). An interface of the guard so that those checks need no
 * backend type; {@code wiring.ThisProcess} answers it for the running gateway, a test with any answer.
 */
public interface HostProcess {
    /** Whether the gateway runs as root (effective uid 0), so it can give files to the mapped host ids. */
    boolean runsAsRoot();

    /** Why the gateway cannot act on the host as each guest user (setfsuid/setfsgid), or empty if it can. */
    Optional<String> whyItCannotActAsGuests();
}
