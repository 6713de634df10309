package io.p9gate.gateway.server;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.util.AttributeKey;
import io.p9gate.gateway.budget.OverBudget;
import io.p9gate.gateway.budget.VmBudget;

/**
 * On the server channel of a listener one VM owns: each accepted connection takes one of that VM's connections
 * (R-ROB-2) on the accept thread, before it is handed to the VM's event loops. Taken there, on the VM's loop, a
 * connection already held a descriptor of the process while it waited in the loop's queue: with the loop busy
 * serving the VM's own flood, a VM reconnecting as fast as it could piled up thousands of them, counted nowhere,
 * until accept(2) and every other VM's opens failed with EMFILE (adversarial.AcceptBacklogAttackTest). Past the
 * budget the connection is closed here, never registered with a loop, and the refusal recorded.
 */
@ChannelHandler.Sharable
final class AcceptedPlaceGate extends PlaceGate {
    /** The place a connection took at accept, until its session (or its close) takes it over. */
    static final AttributeKey<ConnectionPlace> PLACE = AttributeKey.valueOf("p9gate.accepted-place");

    /** Records and logs a refused connection. */
    interface Refusal {
        void refused(VmBudget vm, String peer, OverBudget why);
    }

    private final VmBudget vm;
    private final ListenSpec listener;
    private final Refusal refusal;

    AcceptedPlaceGate(VmBudget vm, ListenSpec listener, Refusal refusal) {
        this.vm = vm;
        this.listener = listener;
        this.refusal = refusal;
    }

    @Override
    boolean admits(Channel child) {
        return take(vm, child, listener, refusal);
    }

    /** Takes one of {@code vm}'s connections for {@code child}, on the accept thread; past the budget, refused. */
    static boolean take(VmBudget vm, Channel child, ListenSpec listener, Refusal refusal) {
        try {
            vm.connections().acquire(1);
        } catch (OverBudget e) {
            refusal.refused(vm, PeerNames.describe(child, listener), e);
            return false;
        }
        // Given back when the connection closes or its session ends. A registration that fails (only when the
        // loops stop with the gateway) closes the connection before any listener could give it back.
        child.attr(PLACE).set(new ConnectionPlace(vm.connections()));
        return true;
    }

    /** The place {@code channel} took at accept, now owned by the caller; null if it took none. */
    static ConnectionPlace takeOver(Channel channel) {
        ConnectionPlace place = channel.attr(PLACE).getAndSet(null);
        if (place != null) {
            channel.closeFuture().addListener(f -> place.closedWithoutSession());
        }
        return place;
    }
}
