package io.p9gate.gateway.server;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.util.AttributeKey;
import io.p9gate.gateway.budget.VmBudget;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Function;
import java.util.function.LongSupplier;

/**
 * On the server channel of a listener whose kernel names each peer at accept: several VMs share it ({@code vsock:}, its
 * CID), or one VM owns it and checks its {@code peer:} ({@code unix:}, SO_PEERCRED) or that the peer is no process of
 * this host ({@code tcp:…%DEVICE}, FromThisHost). The connection is identified, and
 * takes its VM's connection place (R-ROB-2), on the accept thread. Done on the shared loops, after accept(2) had given
 * it a descriptor, a guest reconnecting in a loop while they were busy piled up connections counted nowhere
 * (VsockAcceptBacklogAttackTest); a place taken before the peer was checked on the VM's busy loop let a process its
 * {@code peer:} refuses hold all of the VM's places (RefusedPeerPlaceAttackTest, RefusedDevicePeerPlaceAttackTest). A
 * refused one is closed here, never
 * registered.
 */
@ChannelHandler.Sharable
final class IdentifiedPlaceGate extends PlaceGate {
    /** The decision taken at accept, until the connection's loop settles it. */
    private static final AttributeKey<AtAccept> DECIDED = AttributeKey.valueOf("p9gate.decided-at-accept");

    /** @param passes how many reload passes had begun before it was decided ({@link Gateway}'s re-identification) */
    private record AtAccept(ListenerBinder.Decided decided, long passes) {}

    private final ListenerBinder.KernelNamed binder;
    private final PeerIdentifier identifier;
    private final Function<String, Optional<VmBudget>> budgets;
    private final AcceptedPlaceGate.Refusal refusal;
    private final LongSupplier passes;

    /**
     * @param budgets each VM's budgets, by name (on a listener one VM owns: that VM's, whatever the name)
     * @param passes  the reload passes begun so far: one that begins after the decision sees it, or is seen
     */
    IdentifiedPlaceGate(
            ListenerBinder.KernelNamed binder,
            PeerIdentifier identifier,
            Function<String, Optional<VmBudget>> budgets,
            AcceptedPlaceGate.Refusal refusal,
            LongSupplier passes) {
        this.binder = binder;
        this.identifier = identifier;
        this.budgets = budgets;
        this.refusal = refusal;
        this.passes = passes;
    }

    @Override
    boolean admits(Channel child) {
        ListenSpec listener = binder.spec();
        long before = passes.getAsLong();
        ListenerBinder.Decided decided = binder.decide(child, identifier);
        switch (decided.verdict()) {
            case PeerVerdict.Refused refused -> {
                RefusedPeers.log(listener, refused);
                return false;
            }
            case PeerVerdict.Accepted accepted -> {
                Optional<VmBudget> vm = budgets.apply(accepted.vm());
                if (vm.isEmpty()) {
                    // A VM a reload added: its budgets, lane and loops are made at start.
                    RefusedPeers.untilRestart(
                            identifier,
                            listener,
                            PeerNames.describe(child, listener),
                            accepted.vm(),
                            "a reload added it");
                    return false;
                }
                if (!AcceptedPlaceGate.take(vm.get(), child, listener, refusal)) {
                    return false;
                }
            }
        }
        child.attr(DECIDED).set(new AtAccept(decided, before));
        return true;
    }

    /** What {@code connection} was decided at accept, now the caller's to settle; null if it was not. */
    static ListenerBinder.Decided decidedAtAccept(Channel connection) {
        AtAccept at = connection.attr(DECIDED).getAndSet(null);
        return at == null ? null : at.decided();
    }

    /** The reload passes begun before {@code connection} was decided at accept, if it was. */
    static OptionalLong passesBefore(Channel connection) {
        AtAccept at = connection.attr(DECIDED).get();
        return at == null ? OptionalLong.empty() : OptionalLong.of(at.passes());
    }
}
