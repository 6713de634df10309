package io.p9gate.gateway.server;

import java.util.Optional;

/**
 * Decides which VM a new connection speaks for from what its transport established (R-DEP-1), and records a
 * refusal where the gateway's decisions are recorded. Called once per connection, on an event loop thread (on a
 * shared listener the kernel names the peer of, such as vsock:, on the accept thread; for TLS during the handshake, on
 * the listener's handshake thread): must be quick and thread-safe.
 */
@FunctionalInterface
public interface PeerIdentifier {
    /** Without a policy every listener is its own VM and any peer that reaches it is accepted. */
    PeerIdentifier LISTENER_IS_VM = (listener, peer) -> new PeerVerdict.Accepted("");

    /** Audit rule names of refusals by the transport. */
    String RULE_PEER = "identity.peer";

    String RULE_TLS = "identity.certificate";
    String RULE_VSOCK = "identity.cid";
    String RULE_LISTENER = "identity.listener";
    String RULE_DEVICE = "identity.device";

    PeerVerdict identify(ListenSpec listener, PeerFacts peer);

    /**
     * Decides again, after a reload, a connection that {@code listener} accepted as {@code vm}: as a new connection
     * unless the identifier knows better (a listener change the policy made for the VM applies only at restart, so the
     * connection is decided on the listener it arrived on).
     */
    default PeerVerdict identifyAgain(ListenSpec listener, PeerFacts peer, String vm) {
        return identify(listener, peer);
    }

    /**
     * Whether {@code peer}, once accepted on {@code listener} as {@code vm}, would be that VM's now, as
     * {@link #identifyAgain} decides, but neither recorded nor logged: asked of the facts behind the addresses a
     * tls: listener ranks ({@link NamedAddresses}), which are no connection's.
     */
    default boolean stillNames(ListenSpec listener, PeerFacts peer, String vm) {
        return identifyAgain(listener, peer, vm) instanceof PeerVerdict.Accepted a && a.vm().equals(vm);
    }

    /**
     * What this identifier decides by now: the same object until a reload is taken, another one after it (never null).
     * A connection found to be still its VM under it need not be decided again until it changes ({@link HeldIdentity}):
     * one read and one comparison per request.
     */
    default Object policyInForce() {
        return this;
    }

    /**
     * Why a listener the listener alone names its VM on ({@code unix:}, {@code tcp:}), bound at start for
     * {@code vm}, refuses every new connection under the current policy (a reload gave it to another VM or to none,
     * served from the restart): the refusal to record, or empty while it is still {@code vm}'s. Asked at accept, so a
     * flood of such connections neither takes {@code vm}'s connection places nor runs on its event loops.
     */
    default Optional<PeerVerdict.Refused> givenAway(ListenSpec listener, String vm) {
        return Optional.empty();
    }

    /**
     * A TLS handshake that failed before any certificate reached {@link #identify} (none sent, not TLS 1.3, not
     * TLS at all): recorded like a refusal, with no VM.
     */
    default void handshakeFailed(ListenSpec listener, String peer, String reason) {}

    /**
     * A connection the transport refused before any identification (a local process on a listener bound to a VM's
     * interface): recorded like a refusal.
     */
    default void refusedByTransport(ListenSpec listener, String peer, PeerVerdict.Refused refused) {}
}
