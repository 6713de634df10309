package io.p9gate.gateway.server;

import io.netty.channel.Channel;
import io.p9gate.gateway.budget.Budgets;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.stream.LongStream;

/**
 * What a tls: listener keeps of the peer addresses whose connections have not named their VM yet (R-ROB-2):
 * the connections awaiting their handshake, the addresses refused for holding too many (logged once), and the
 * addresses whose handshakes keep failing ({@link PenalisedPeerGate}), and those whose handshakes named a VM
 * ({@link NamedAddresses}, displaced last). Before its handshake a connection is
 * only its address, so VMs connecting from one address share these on a listener; they are kept per listener so
 * that such VMs, each on a listener of its own, do not share them (docs/deploy.md).
 */
record TlsListenerPeers(UnidentifiedPeers handshakes, HandshakePenalties penalties, NamedAddresses named) {
    /** The gateway's log: its lines keep the name they always had. */
    private static final System.Logger LOG = System.getLogger(Gateway.class.getName());

    /** A new listener's, bounded by {@code budgets}' handshake places and every VM's connections limit. */
    static TlsListenerPeers of(Budgets budgets) {
        NamedAddresses named = new NamedAddresses();
        return new TlsListenerPeers(
                new UnidentifiedPeers(
                        budgets.handshakePlaces(),
                        named::vmsOf,
                        () -> Math.max(1, connectionLimits(budgets).max().orElse(1)),
                        () -> Math.max(
                                1,
                                connectionLimits(budgets)
                                        .reduce(0, (x, y) -> y > Long.MAX_VALUE - x ? Long.MAX_VALUE : x + y))),
                new HandshakePenalties(),
                named);
    }

    /** Each VM's connections limit, as it is now (limits change on reload). */
    private static LongStream connectionLimits(Budgets budgets) {
        return budgets.vms().stream().mapToLong(vm -> vm.limits().connections());
    }

    /**
     * A tls: connection waits for its handshake to name its VM: until then it holds the place of its listener's
     * unidentified connections it took at accept ({@link UnidentifiedPlaceGate}, R-ROB-2). Answers what
     * gives that place back (once; also when the connection closes first). {@code gatewayClosed}: whether the
     * gateway is stopping, which closes the connection and is no failure of its peer.
     */
    Consumer<String> awaitingIdentity(Channel channel, ListenSpec spec, BooleanSupplier gatewayClosed) {
        if (!(channel.remoteAddress() instanceof InetSocketAddress remote)
                || !UnidentifiedPlaceGate.takenAtAccept(channel)) {
            return vm -> {};
        }
        InetAddress address = remote.getAddress();
        AtomicBoolean given = new AtomicBoolean();
        Runnable give = () -> {
            if (given.compareAndSet(false, true)) {
                handshakes.give(address, channel);
            }
        };
        channel.closeFuture().addListener(f -> {
            // Not the gateway's own stop, nor a probe or a timeout of the gateway's own (HandshakeCost).
            if (!given.get() && !gatewayClosed.getAsBoolean() && HandshakeCost.failedByPeer(channel)) {
                handshakeFailed(spec, address, penalties);
            }
            give.run();
        });
        return vm -> {
            penalties.succeeded(address);
            named.named(vm, address, ConnectionIdentity.of(channel));
            give.run();
        };
    }

    /** Forgets that the connection's handshake named {@code vm}: it is closed instead of served. */
    void takeBackNaming(Channel channel, String vm) {
        if (channel.remoteAddress() instanceof InetSocketAddress remote) {
            named.takeBack(vm, remote.getAddress(), ConnectionIdentity.of(channel));
        }
    }

    /**
     * A tls: connection closed before its handshake named a VM, after its peer made the gateway work (refused, no
     * certificate, dropped mid-handshake): past a few, its address is refused for a while; one WARNING line per
     * penalty, never one per connection.
     */
    private static void handshakeFailed(ListenSpec spec, InetAddress address, HandshakePenalties penalties) {
        Duration penalty = penalties.failed(address);
        if (!penalty.isZero()) {
            LOG.log(
                    System.Logger.Level.WARNING,
                    () -> "refusing connections on " + spec.describe() + " from " + address.getHostAddress()
                            + " for " + penalty.toSeconds() + " s: its TLS handshakes keep failing (each refusal is"
                            + " audited, this line is not repeated during the penalty)");
        }
    }
}
