package io.p9gate.gateway.session;

/**
 * Whether the connection is still the VM its transport named (R-DEP-1) under the policy in force: asked by each of its
 * requests' decisions, after the decision, so that a reload that revokes the connection's identity (its certificate,
 * its {@code peer:}, its socket given to another VM) refuses its next request at once, not only once the pass over the
 * open connections that follows the swap has closed it. Thread-safe; cheap when no reload came since it last held.
 */
@FunctionalInterface
public interface IdentityInForce {
    /** A connection whose listener is its VM, without a policy to revoke it. */
    IdentityInForce LISTENER_IS_VM = () -> true;

    boolean holds();
}
