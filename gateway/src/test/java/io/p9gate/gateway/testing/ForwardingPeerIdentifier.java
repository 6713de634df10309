package io.p9gate.gateway.testing;

import io.p9gate.gateway.server.ListenSpec;
import io.p9gate.gateway.server.PeerFacts;
import io.p9gate.gateway.server.PeerIdentifier;
import io.p9gate.gateway.server.PeerVerdict;
import java.util.Optional;

/** A {@link PeerIdentifier} that asks {@link #inner()} everything: a test overrides only what it changes or counts. */
public interface ForwardingPeerIdentifier extends PeerIdentifier {
    PeerIdentifier inner();

    @Override
    default PeerVerdict identify(ListenSpec listener, PeerFacts peer) {
        return inner().identify(listener, peer);
    }

    @Override
    default PeerVerdict identifyAgain(ListenSpec listener, PeerFacts peer, String vm) {
        return inner().identifyAgain(listener, peer, vm);
    }

    @Override
    default boolean stillNames(ListenSpec listener, PeerFacts peer, String vm) {
        return inner().stillNames(listener, peer, vm);
    }

    @Override
    default Object policyInForce() {
        return inner().policyInForce();
    }

    @Override
    default Optional<PeerVerdict.Refused> givenAway(ListenSpec listener, String vm) {
        return inner().givenAway(listener, vm);
    }

    @Override
    default void handshakeFailed(ListenSpec listener, String peer, String reason) {
        inner().handshakeFailed(listener, peer, reason);
    }

    @Override
    default void refusedByTransport(ListenSpec listener, String peer, PeerVerdict.Refused refused) {
        inner().refusedByTransport(listener, peer, refused);
    }
}
