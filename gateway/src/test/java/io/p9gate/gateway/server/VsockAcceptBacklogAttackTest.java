package io.p9gate.gateway.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netty.channel.Channel;
import io.netty.channel.epoll.LinuxSocket;
import io.netty.channel.unix.DomainSocketAddress;
import io.p9gate.gateway.budget.Budgets;
import io.p9gate.gateway.budget.HostResources;
import io.p9gate.gateway.budget.Limits;
import io.p9gate.gateway.budget.VmBudget;
import io.p9gate.gateway.net.Transports;
import io.p9gate.gateway.session.FakeHandler;
import io.p9gate.gateway.session.SessionSettings;
import io.p9gate.gateway.testing.ClosedByGateway;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Attack (R-ROB-2), vsock: a {@code vsock:} listener several VMs share read each connection's CID and took the VM's
 * connection place on the shared event loops, after accept(2) had given the connection a descriptor. With those loops
 * busy, a guest reconnecting in a loop piled accepted connections up in their queue, each holding a descriptor of the
 * process and counted nowhere, as on a {@code unix:} listener before AcceptBacklogAttackTest and on a {@code tls:}
 * one before UnidentifiedAcceptBacklogAttackTest. The CID is now read, and the VM's place taken, on the accept thread.
 *
 * <p>These machines have no vsock loopback: the listener here is {@link VsockBinder} listening on a Unix socket (a
 * stream socket of the same channel type), every peer CID 5, VM a's. The shared loop is held in the identification
 * of the first connection, and VM a connects {@value #MORE} more times under a budget of {@value #CONNECTIONS}.
 */
class VsockAcceptBacklogAttackTest {
    private static final long LOTS = 1_000_000;
    private static final int CONNECTIONS = 2;
    private static final int MORE = 24;
    private static final long CID_A = 5;
    private static final Duration PATIENCE = Duration.ofSeconds(15);

    @TempDir
    Path tmp;

    private final ListenSpec.Vsock spec = new ListenSpec.Vsock(5640);
    private Path socket;

    @BeforeEach
    void standInSocket() {
        assumeTrue(Transports.nativeAvailable(), "needs Netty's native epoll transport");
        socket = tmp.resolve("vsock-stand-in.sock");
    }

    @Test
    void connectionsPastTheVmsBudgetAreClosedAtAcceptWhileTheSharedLoopsAreBusy() throws Exception {
        Budgets budgets = new Budgets(HostResources.current(), 8192);
        VmBudget vmA = budgets.add("a", new Limits(CONNECTIONS, LOTS, LOTS, LOTS, LOTS, LOTS, LOTS, 1), List.of());
        List<String> refusals = new CopyOnWriteArrayList<>();
        budgets.onConnectionRefused((vm, peer, why) -> refusals.add(vm.vm()));
        GatewayConfig config = new GatewayConfig(
                List.of(spec), new FakeHandler.Factory(), 8192, 2, SessionSettings.DEFAULT_MAX_OUTSTANDING, 0, budgets);
        CountDownLatch inside = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        HeldFirst binder = new HeldFirst(standIn(spec, socket), inside, release);
        PeerIdentifier cids = (listener, peer) -> peer instanceof PeerFacts.Vsock v && v.cid() == CID_A
                ? new PeerVerdict.Accepted("a")
                : new PeerVerdict.Refused("", PeerIdentifier.RULE_VSOCK, "CID is no VM's");
        List<SocketChannel> more = new ArrayList<>();
        try (Gateway _ = Gateway.start(config, cids, s -> binder);
                SocketChannel _ = connect(socket)) {
            assertTrue(inside.await(PATIENCE.toSeconds(), TimeUnit.SECONDS), "the shared loop is held");
            try {
                for (int i = 0; i < MORE; i++) {
                    more.add(connect(socket));
                }
                // The first holds one of a's places: one more may wait for the loop, the rest are closed at accept.
                int refused = MORE - (CONNECTIONS - 1);
                assertEquals(
                        refused,
                        ClosedByGateway.within(more, refused, PATIENCE),
                        "connections past a's budget closed while the shared loop is busy (one waits for it)");
                assertTrue(
                        vmA.connections().used() <= CONNECTIONS,
                        "a holds " + vmA.connections().used());
                assertEquals(refused, refusals.size(), "each refusal recorded: " + refusals);
            } finally {
                release.countDown();
            }
        } finally {
            for (SocketChannel c : more) {
                c.close();
            }
        }
    }

    /**
     * An identifier that throws (a bug, a policy it cannot read) while a connection is decided at accept: the
     * connection is closed there. Thrown out of the accept thread's gate, the connection was never closed, its
     * descriptor held for good, and the listener stopped accepting for a second (Netty's acceptor pauses on an error).
     */
    @Test
    void aConnectionWhoseIdentificationThrowsIsClosedAtAccept() throws Exception {
        Budgets budgets = new Budgets(HostResources.current(), 8192);
        VmBudget vmA = budgets.add("a", new Limits(CONNECTIONS, LOTS, LOTS, LOTS, LOTS, LOTS, LOTS, 1), List.of());
        GatewayConfig config = new GatewayConfig(
                List.of(spec), new FakeHandler.Factory(), 8192, 2, SessionSettings.DEFAULT_MAX_OUTSTANDING, 0, budgets);
        PeerIdentifier broken = (listener, peer) -> {
            throw new IllegalStateException("no policy to decide by");
        };
        try (Gateway _ = Gateway.start(config, broken, s -> standIn(spec, socket));
                SocketChannel c = connect(socket)) {
            assertEquals(1, ClosedByGateway.within(List.of(c), 1, PATIENCE), "closed by the gateway");
            assertEquals(0, vmA.connections().used(), "no place held");
        }
    }

    /** {@link VsockBinder} listening on a Unix socket at {@code path}; every peer is CID {@value #CID_A}. */
    private static VsockBinder standIn(ListenSpec.Vsock spec, Path path) {
        return new VsockBinder(
                spec,
                port -> {
                    LinuxSocket socket = LinuxSocket.newSocketDomain();
                    socket.bind(new DomainSocketAddress(path.toString()));
                    socket.listen(128);
                    return socket;
                },
                connection -> new PeerFacts.Vsock(CID_A, 1025));
    }

    private static SocketChannel connect(Path path) throws IOException {
        SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX);
        c.connect(UnixDomainSocketAddress.of(path));
        c.configureBlocking(false);
        return c;
    }

    /** The binder, whose first identification on a loop (its decision at accept settled there) waits for {@code release}. */
    private record HeldFirst(VsockBinder binder, CountDownLatch inside, CountDownLatch release, AtomicBoolean held)
            implements ForwardingBinder, ListenerBinder.KernelNamed {
        HeldFirst(VsockBinder binder, CountDownLatch inside, CountDownLatch release) {
            this(binder, inside, release, new AtomicBoolean());
        }

        @Override
        public VsockBinder delegate() {
            return binder;
        }

        @Override
        public ListenSpec spec() {
            return binder.spec();
        }

        @Override
        public Decided decide(Channel connection, PeerIdentifier identifier) {
            return binder.decide(connection, identifier);
        }

        @Override
        public void identify(Channel connection, PeerIdentifier identifier, Consumer<String> accepted) {
            if (held.compareAndSet(false, true)) {
                inside.countDown();
                try {
                    release.await(PATIENCE.toSeconds() * 2, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            binder.identify(connection, identifier, accepted);
        }
    }
}
