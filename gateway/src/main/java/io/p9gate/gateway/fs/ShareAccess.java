package io.p9gate.gateway.fs;

import io.p9gate.gateway.session.ConnectionContext;
import io.p9gate.gateway.session.IdentityInForce;
import io.p9gate.policy.dialect.Dialect;
import java.util.List;

/**
 * What differs between the gateway's modes, and only that: which VM a connection speaks for, which share directories
 * exist and which of them a VM's new session gets, and the choke point (decisions, id mapping, quotas) of that
 * session. {@code wiring.ShareServerFactory} takes it as a parameter and does everything else - opening each directory
 * once, the session's handler, recording each session's start and end (R-AUD-1) - in one way for every mode.
 * Implementations must be thread-safe.
 */
public interface ShareAccess {
    /** Every share directory to open at start; one that cannot be opened stops the start. */
    List<ShareDir> directories();

    /** The VM a connection speaks for: from the transport only, never from what the guest says (R-DEP-1). */
    String vmOf(ConnectionContext connection);

    /**
     * The shares a new session of {@code vm} may attach, as things are now (a policy reload can take one away);
     * one that was not among the {@link #directories()} opened at start is left out (it needs a restart).
     */
    List<ShareDir> sharesOf(String vm);

    /**
     * Whether a new session of {@code vm} may speak {@code dialect} (R-PROTO-7), as things are now; every dialect
     * unless the mode restricts them.
     */
    default boolean allowsDialect(String vm, Dialect dialect) {
        return true;
    }

    /**
     * Whether a request of {@code vm} in {@code share} may be decided differently at two paths (a hidden or read-only
     * subtree, a rule with paths): then moves made on the host are watched for that share, so a handle's remembered
     * path does not outlive one. True unless the mode knows better.
     */
    default boolean decidesByPath(String vm, String share) {
        return true;
    }

    /**
     * The choke point of one session of {@code vm}, recording in {@code audit}.
     *
     * @param served   the share directories this session was given ({@link #sharesOf} when it opened): a reload that
     *                 gives one of its shares another directory must not apply that directory's rules to the old one
     * @param identity whether the connection is still {@code vm}: a decision of a request it no longer is refuses it
     */
    GuardedFs guard(String vm, long sessionId, List<ShareDir> served, AuditTrail audit, IdentityInForce identity);
}
