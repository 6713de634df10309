package io.p9gate.gateway.server;

import io.netty.channel.ChannelHandler;
import io.p9gate.gateway.budget.Budgets;
import io.p9gate.gateway.budget.VmBudget;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.LongSupplier;

/** The checks on a listener's server channel that each connection passes on the accept thread ({@link AcceptGate}). */
final class ListenerGates {
    private final PeerIdentifier identifier;
    private final Budgets budgets;
    private final AcceptedPlaceGate.Refusal refusal;
    /** Passes of the reload's re-identification begun ({@link IdentifiedPlaceGate}). */
    private final LongSupplier passes;

    ListenerGates(PeerIdentifier identifier, Budgets budgets, AcceptedPlaceGate.Refusal refusal, LongSupplier passes) {
        this.identifier = identifier;
        this.budgets = budgets;
        this.refusal = refusal;
        this.passes = passes;
    }

    /** Every gate of {@code spec}'s server channel, in the order a connection passes them. */
    List<ChannelHandler> of(
            ListenSpec spec, ListenerBinder binder, Optional<VmBudget> owner, TlsListenerPeers unidentified) {
        List<ChannelHandler> gates = new ArrayList<>();
        if (spec instanceof ListenSpec.Tls tls) {
            // Refused on the accept loop, before any TLS work and before the shared loops see the connection.
            gates.add(new PenalisedPeerGate(tls, identifier, unidentified.penalties()));
        }
        // A listener one VM owns: a connection a reload gave the listener away from is refused at accept, before
        // it takes one of the VM's places or reaches its loops.
        owner.ifPresent(vm -> gates.add(new GivenAwayListenerGate(vm.vm(), spec, identifier)));
        gates.addAll(placeGates(spec, binder, owner, unidentified));
        return gates;
    }

    /**
     * The places each connection of {@code spec} takes on the accept thread, before any event loop holds it (R-ROB-2):
     * of the VM that owns the listener; among those awaiting their TLS handshake; of the VM the kernel names at
     * accept (a shared {@code vsock:} listener's CID). Every listener has one: a kind with none cannot be bound.
     */
    private List<PlaceGate> placeGates(
            ListenSpec spec, ListenerBinder binder, Optional<VmBudget> owner, TlsListenerPeers unidentified) {
        List<PlaceGate> places = new ArrayList<>();
        if (spec instanceof ListenSpec.Tls tls) {
            places.add(new UnidentifiedPlaceGate(tls, identifier, unidentified.handshakes()));
        }
        if (owner.isPresent() && decidedAtAccept(binder) && binder instanceof ListenerBinder.KernelNamed named) {
            // Its peer: read with one getsockopt(2) (unix:) or from the accepted address (tcp:…%DEVICE, FromThisHost)
            // and decided before the place is taken: decided on the VM's loop, a process peer: refuses (or any local
            // process, on a device) held the VM's places while that loop was busy (RefusedPeerPlaceAttackTest,
            // RefusedDevicePeerPlaceAttackTest).
            places.add(new IdentifiedPlaceGate(named, identifier, vm -> owner, refusal, passes));
        } else if (owner.isPresent()) {
            places.add(new AcceptedPlaceGate(owner.get(), spec, refusal));
        } else if (binder instanceof ListenerBinder.KernelNamed named) {
            places.add(new IdentifiedPlaceGate(named, identifier, budgets::vm, refusal, passes));
        }
        if (places.isEmpty()) {
            throw new IllegalStateException(
                    spec.describe() + ": its connections could take no place at accept, so none would be bounded");
        }
        return places;
    }

    /**
     * Whether the peer of a listener one VM owns is decided at accept: a {@code unix:} socket's (its {@code peer:}), a
     * {@code tcp:} listener's bound to a device (a process of this host is refused). A plain {@code tcp:} one takes
     * any peer; a {@code tls:} one is decided after its handshake.
     */
    private static boolean decidedAtAccept(ListenerBinder binder) {
        return binder instanceof UnixBinder
                || binder instanceof TcpBinder tcp && tcp.spec().device() != null;
    }
}
