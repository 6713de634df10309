package io.p9gate.gateway.server;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.p9gate.gateway.budget.VmBudget;
import io.p9gate.gateway.codec.FrameDecoder;
import io.p9gate.gateway.codec.PeerName;
import io.p9gate.gateway.session.Session;
import io.p9gate.gateway.session.SessionSettings;
import java.io.IOException;
import java.net.InetAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.LongPredicate;
import java.util.function.Predicate;

/**
 * A running gateway: its listeners, sessions and worker threads. Each VM's connections have event loop
 * threads of their own (R-ROB-2): a VM that floods the gateway with cheap requests keeps its own loops busy,
 * not the ones that read and answer another VM's requests.
 */
public final class Gateway implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(Gateway.class.getName());
    /**
     * How long {@link #close} waits for each of its three steps (connections, workers, loops) when something is
     * stuck: together well within the process's stop deadline, so the final checkpoint is still signed after it.
     */
    public static final Duration STEP_WAIT = Duration.ofSeconds(7);
    /** The longest {@link #close} takes, whatever is stuck. */
    public static final Duration LONGEST_CLOSE = STEP_WAIT.multipliedBy(3);
    /**
     * How long a connection a reload ends (its VM removed, its certificate revoked, its share taken) may still answer
     * the requests on the host: a write on a healthy disk is answered well within it, and a request the host blocks
     * (a hung NFS server) keeps the connection of a VM that lost its access open no longer. Nothing new starts
     * meanwhile.
     */
    static final Duration RELOAD_DRAIN = Duration.ofSeconds(2);
    /** Netty's own read sizes ({@link AdaptiveRecvByteBufAllocator}'s defaults); the largest is capped at msize. */
    private static final int NETTY_SMALLEST_READ = 64;

    private static final int NETTY_FIRST_READ = 2048;
    private static final int NETTY_LARGEST_READ = 65536;

    private final GatewayConfig config;
    private final EventLoops loops;

    private final FairWorkerPool workers;
    private final ChannelGroup connections = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);

    private final List<Channel> serverChannels = new ArrayList<>();
    private final List<SocketAddress> bound = new ArrayList<>();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final PeerIdentifier identifier;
    /** Each listener's binder, by its kind ({@link ListenerBinder#of}). */
    private final Function<ListenSpec, ListenerBinder> binderOf;
    /**
     * Passes of {@link #closeConnectionsNoLongerIdentified} begun: a connection identified while one ran (a TLS client
     * may hold its handshake between its certificate's decision and its end) is decided again before it is served.
     */
    private final AtomicLong reidentifications = new AtomicLong();

    private final List<ListenerBinder> binders = new ArrayList<>();
    /** Binds again the Unix listeners whose socket files are deleted while the gateway runs. */
    private final SocketFileWatch socketFiles = new SocketFileWatch("listener", "VMs");

    private final SessionStarter sessions;
    private final ListenerGates listenerGates;

    private Gateway(GatewayConfig config, PeerIdentifier identifier, Function<ListenSpec, ListenerBinder> binderOf) {
        this.config = config;
        this.identifier = identifier;
        this.binderOf = binderOf;
        this.loops = new EventLoops(config.budgets());
        this.workers = new FairWorkerPool(config.workers(), config.workers(), "p9gate-worker");
        this.sessions = new SessionStarter(config, identifier, loops, workers);
        this.listenerGates =
                new ListenerGates(identifier, config.budgets(), sessions::refuseConnection, reidentifications::get);
    }

    /**
     * Each tls: listener's {@link NamedAddresses}: a reload forgets the addresses of the VMs it removed and of the
     * certificates it no longer accepts.
     */
    private final List<NamedAddresses> namedAddresses = new CopyOnWriteArrayList<>();

    /** A new tls: listener's peers, its named addresses among those a reload forgets. */
    private TlsListenerPeers tlsListenerPeers() {
        TlsListenerPeers peers = TlsListenerPeers.of(config.budgets());
        namedAddresses.add(peers.named());
        return peers;
    }

    /** Binds every listener and starts serving, every listener its own VM; fails (IOException) if any cannot be bound. */
    public static Gateway start(GatewayConfig config) throws IOException {
        return start(config, PeerIdentifier.LISTENER_IS_VM);
    }

    /**
     * Binds every listener and starts serving; {@code identifier} says which VM each connection speaks for, from
     * its transport (R-DEP-1). Fails (IOException) if any listener cannot be bound.
     */
    public static Gateway start(GatewayConfig config, PeerIdentifier identifier) throws IOException {
        return start(config, identifier, ListenerBinder::of);
    }

    /** As {@link #start(GatewayConfig, PeerIdentifier)}, each listener bound by {@code binderOf} (a test's vsock). */
    static Gateway start(GatewayConfig config, PeerIdentifier identifier, Function<ListenSpec, ListenerBinder> binderOf)
            throws IOException {
        Gateway gateway = new Gateway(config, identifier, binderOf);
        try {
            for (ListenSpec spec : config.listeners()) {
                gateway.bind(spec);
            }
            gateway.socketFiles.start(gateway::checkSocketFiles);
            return gateway;
        } catch (IOException | RuntimeException e) {
            gateway.close();
            throw e;
        }
    }

    private void bind(ListenSpec spec) throws IOException {
        ListenerBinder binder = binderOf.apply(spec);
        Channel server = bind(spec, binder);
        bound.add(binder.boundAddress(server));
        if (binder instanceof UnixBinder unix) {
            socketFiles.add(new UnixListener(this, unix, server));
        }
    }

    /**
     * Binds again each Unix listener whose socket file was deleted or replaced ({@link SocketFileWatch}); run every
     * {@link SocketFileWatch#EVERY}.
     */
    public synchronized void checkSocketFiles() {
        if (closed.get()) {
            return;
        }
        socketFiles.check();
    }

    /** A Unix listener and its server channel, as the socket-file watch sees it; bound again on {@code gateway}. */
    private record UnixListener(Gateway gateway, UnixBinder binder, Channel server) implements SocketFileWatch.Bound {
        @Override
        public String describe() {
            return binder.spec().describe();
        }

        @Override
        public Optional<String> socketFileLost() {
            return binder.socketFileLost();
        }

        @Override
        public SocketFileWatch.Bound bindAgain() throws IOException {
            return gateway.bindAgain(binder.spec());
        }

        @Override
        public void retire() {
            gateway.binders.remove(binder);
            gateway.serverChannels.remove(server);
            binder.closing();
            server.close().awaitUninterruptibly();
            binder.unbound(); // its staging directory, now that the closed channel unlinked its bound path in it
        }
    }

    /** A fresh listener for {@code spec}, bound as at start; or none, and nothing of it left. Under this' lock. */
    private UnixListener bindAgain(ListenSpec.Unix spec) throws IOException {
        UnixBinder fresh = new UnixBinder(spec);
        int servers = serverChannels.size();
        try {
            return new UnixListener(this, fresh, bind(spec, fresh));
        } catch (IOException | RuntimeException e) {
            fresh.closing();
            while (serverChannels.size() > servers) { // bound, but its socket file could not be put in place
                serverChannels.removeLast().close().awaitUninterruptibly();
            }
            binders.remove(fresh);
            fresh.unbound();
            throw e;
        }
    }

    /** Each Unix listener whose socket file is lost and could not be bound again, by listener, and why. */
    public Map<String, String> lostSocketFiles() {
        return socketFiles.lost();
    }

    /** Every Unix listener, by its description, and whether its socket file is lost ({@link #lostSocketFiles}). */
    public Map<String, Boolean> socketFilesLost() {
        return socketFiles.bySocket();
    }

    /** Binds {@code spec} with {@code binder}; the server channel. */
    private Channel bind(ListenSpec spec, ListenerBinder binder) throws IOException {
        // Room for a few full-size replies before the session stops reading (see Session#canServeMore):
        // with Netty's 64 KiB default, one 1 MiB Rread would pause a pipelining client.
        int high = 4 * config.maxMsize();
        // A listener one VM owns has that VM's event loops from the accept on; connections to a shared one
        // (tls:, vsock:) are accepted on shared loops, and move to their VM's loops, lane and budgets once the
        // transport has named the VM.
        Optional<VmBudget> owner = config.budgets().ofListener(spec.describe());
        TlsListenerPeers unidentified = spec instanceof ListenSpec.Tls ? tlsListenerPeers() : null;
        SessionSettings settings = new SessionSettings(
                        spec.describe(), config.maxMsize(), config.maxOutstanding(), config.ioLimit())
                .onOwnLoops(owner.isPresent());
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(loops.acceptor(), owner.map(loops::of).orElseGet(loops::shared))
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(high / 2, high))
                .childOption(ChannelOption.RECVBUF_ALLOCATOR, readsOfAtMostOneFrame())
                .childHandler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel channel) {
                        ConnectionPlace accepted = AcceptedPlaceGate.takeOver(channel);
                        String peer = PeerNames.describe(channel, spec);
                        connections.add(channel);
                        PeerName.set(channel, peer);
                        // The transport says which VM this is (R-DEP-1) before any 9P byte is read; the
                        // session then runs in that VM's lane, within its budgets.
                        Consumer<String> identified = unidentified == null
                                ? vm -> {}
                                : unidentified.awaitingIdentity(channel, spec, closed::get);
                        long reidentifiedBefore =
                                IdentifiedPlaceGate.passesBefore(channel).orElseGet(reidentifications::get);
                        binder.identify(channel, identifier, vm -> {
                            identified.accept(vm);
                            if (reidentifiedSince(channel, reidentifiedBefore)) {
                                // Named after the pass forgot the addresses its reload no longer names.
                                if (unidentified != null) {
                                    unidentified.takeBackNaming(channel, vm);
                                }
                                channel.close();
                                return;
                            }
                            sessions.start(channel, spec, owner, vm, settings, peer, accepted);
                        });
                    }
                });
        List<ChannelHandler> gates = listenerGates.of(spec, binder, owner, unidentified);
        bootstrap.handler(new ChannelInitializer<>() {
            @Override
            protected void initChannel(Channel server) {
                server.pipeline().addLast(gates.toArray(ChannelHandler[]::new));
            }
        });
        binder.configure(bootstrap);
        binders.add(binder);
        Channel server = bindOrFail(bootstrap, binder.address(), spec);
        binder.bound(server);
        return server;
    }

    /**
     * Closes the connections of every VM {@code gone} names (one a reload removed from the policy): their sessions
     * end as on a disconnect, recorded, their fids, descriptors and locks released. Left open, such a connection is
     * refused every request but keeps what it holds, a lock on a file another VM shares included, for as long as its
     * guest wants.
     *
     * @return how many connections were closed
     */
    public int closeConnectionsOf(Predicate<String> gone) {
        return closeConnections(channel -> {
            String vm = channel.attr(SessionStarter.SERVED_VM).get();
            return vm != null && gone.test(vm);
        });
    }

    /**
     * Closes the connections whose current session {@code ended} names by id (one holding a share a reload took from
     * its VM): they end as on a disconnect, recorded, with their fids, descriptors and locks released. The VM's other
     * connections stay open.
     *
     * @return how many connections were closed
     */
    public int closeSessions(LongPredicate ended) {
        return closeConnections(channel -> {
            Session session = channel.attr(SessionStarter.SESSION).get();
            return session != null && ended.test(session.id());
        });
    }

    /**
     * Decides again every connection whose transport named a VM {@code which} names, by what that transport
     * established when it connected (its certificate chain, its peer credentials, its CID), as the identifier decides
     * now: after a reload that revoked a certificate or changed a pin or a {@code peer:}. One no longer identified as
     * the same VM is closed, its session ending as on a disconnect; a refusal is recorded and logged as at connect.
     * The tls: listeners forget the addresses of the VMs {@code which} does not name, and those a certificate no
     * longer accepted named ({@link NamedAddresses}).
     *
     * @return how many connections were closed
     */
    public int closeConnectionsNoLongerIdentified(Predicate<String> which) {
        reidentifications.incrementAndGet();
        // A VM the policy no longer has names no address, nor does a certificate it no longer accepts: such an
        // address is ranked as any other's.
        namedAddresses.forEach(named -> {
            named.forget(which.negate());
            named.forgetNoLongerHeld(identity -> identity.stillNamedBy(identifier));
        });
        return closeConnections(channel -> {
            ConnectionIdentity identity = ConnectionIdentity.of(channel);
            if (identity == null || !channel.isActive() || !which.test(identity.vm())) {
                return false;
            }
            Object policy = identifier.policyInForce(); // before the question: a later swap is asked again
            if (identity.stillHolds(identifier)) {
                HeldIdentity.heldUnder(channel, policy);
                return false;
            }
            return true;
        });
    }

    /**
     * Whether a pass of {@link #closeConnectionsNoLongerIdentified} began since {@code before} and the connection, just
     * identified (its identity kept before this is asked, so that a pass either sees it or is seen here), is no longer
     * its VM: it was decided under the policy before, and the pass, finding no identity kept yet, let it be.
     */
    private boolean reidentifiedSince(Channel channel, long before) {
        ConnectionIdentity identity = ConnectionIdentity.of(channel);
        return reidentifications.get() != before && identity != null && !identity.stillHolds(identifier);
    }

    /** {@link Session#drain}s the connection's session; one without a session yet is closed. */
    private void drain(Channel channel) {
        Session session = channel.attr(SessionStarter.SESSION).get();
        if (session != null) {
            session.drain(channel);
        } else {
            channel.close();
        }
    }

    private int closeConnections(Predicate<Channel> which) {
        int closed = 0;
        for (Channel channel : connections) {
            if (which.test(channel)) {
                drainBriefly(channel);
                closed++;
            }
        }
        return closed;
    }

    /**
     * A connection a reload ends is drained, as at a stop (a write whose bytes landed is told so:
     * ReloadInFlightReplyTest), but closed after {@link #RELOAD_DRAIN} whatever the host still holds.
     */
    private void drainBriefly(Channel channel) {
        drain(channel);
        try {
            var closing =
                    channel.eventLoop().schedule(() -> channel.close(), RELOAD_DRAIN.toMillis(), TimeUnit.MILLISECONDS);
            channel.closeFuture().addListener(f -> closing.cancel(false));
        } catch (RejectedExecutionException e) {
            channel.close();
        }
    }

    /**
     * Whether a tls: listener ranks {@code address} as one from which a handshake named a VM still in force: its
     * connections are displaced last ({@link NamedAddresses}).
     */
    public boolean ranksAsNamed(InetAddress address) {
        return namedAddresses.stream().anyMatch(named -> named.contains(address));
    }

    /**
     * Reads of at most one frame: a connection parked by its VM's budget keeps its read in hand, plus at most a frame
     * begun before it, within the two frames per connection the budgets promise. Netty's adaptive reads grow to 64 KiB
     * whatever the msize: 64 parked connections held 4.7-6.1 MiB undecoded at msize 4 KiB, against 512 KiB.
     */
    private RecvByteBufAllocator readsOfAtMostOneFrame() {
        int largest = Math.min(config.maxMsize(), NETTY_LARGEST_READ);
        return new AdaptiveRecvByteBufAllocator(
                NETTY_SMALLEST_READ, NETTY_FIRST_READ, largest); // msize is 4 KiB at least
    }

    /**
     * Bytes the frame decoders of every connection hold of reads not yet decoded, asked on each connection's loop:
     * with the budgets' frames, what a VM's parked connections hold (adversarial.ParkedReadInHandAttackTest).
     */
    public long bytesInHand() {
        long held = 0;
        for (Channel channel : connections) {
            FrameDecoder decoder = channel.pipeline().get(FrameDecoder.class);
            if (decoder != null) {
                Integer bytes = channel.eventLoop()
                        .submit(decoder::bytesInHand)
                        .awaitUninterruptibly()
                        .getNow();
                held += bytes == null ? 0 : bytes; // null: the loop stopped meanwhile
            }
        }
        return held;
    }

    private Channel bindOrFail(ServerBootstrap bootstrap, SocketAddress address, ListenSpec spec) throws IOException {
        // A null address: the channel factory made the socket bound and listening already (vsock).
        var future = (address == null ? bootstrap.register() : bootstrap.bind(address)).awaitUninterruptibly();
        if (!future.isSuccess()) {
            Throwable cause = future.cause();
            throw new IOException("cannot listen on " + spec.describe() + ": " + cause.getMessage(), cause);
        }
        serverChannels.add(future.channel());
        return future.channel();
    }

    /** The actual bound addresses, in the order of the config's listeners (resolves port 0). */
    public List<SocketAddress> boundAddresses() {
        return List.copyOf(bound);
    }

    /**
     * Stops accepting, closes every session (releasing fids), stops the workers, then closes the session factory it
     * was given ({@link GatewayConfig#handlers}: its share handles and host-move watchers). Outstanding requests finish
     * first, so that their handlers are closed after the last one returns.
     */
    @Override
    public void close() {
        close(STEP_WAIT);
    }

    /**
     * Stops listening, closes every connection, stops the workers and the loops, waiting for each step at most
     * {@code wait}: a loop stuck in a host call (a read on a hung mount inside a share, served on the VM's own loop)
     * must not keep the gateway from stopping, and from signing its final checkpoint after this returns (R-DEP-2).
     */
    void close(Duration wait) {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        synchronized (this) { // a check running now ends before the listeners are closed
            socketFiles.close();
        }
        binders.forEach(ListenerBinder::closing);
        for (Channel server : serverChannels) {
            server.close().awaitUninterruptibly();
        }
        // Drained first, for half the step: a request on the host is answered (a write whose bytes landed is told so).
        long connectionsDeadline = System.nanoTime() + wait.toNanos();
        connections.forEach(this::drain);
        StopStepWait.awaitQuietly(
                connections.newCloseFuture(),
                System.nanoTime() + wait.toNanos() / 2,
                wait.dividedBy(2),
                "connections still answering requests on the host");
        StopStepWait.awaitQuietly(connections.close(), connectionsDeadline, wait, "connections still open");
        workers.shutdown();
        StopStepWait.awaitQuietly(workers, wait);
        List<EventLoopGroup> groups = loops.toShutDown();
        groups.forEach(group -> group.shutdownGracefully(0, wait.toSeconds(), TimeUnit.SECONDS));
        // One deadline for all the loops: waiting for each stuck VM in turn would outlast TimeoutStopSec.
        long deadline = System.nanoTime() + wait.toNanos();
        groups.forEach(group ->
                StopStepWait.awaitQuietly(group.terminationFuture(), deadline, wait, "event loops still running"));
        // Left to the callers, a factory they did not close kept each VM's inotify instance and reader thread
        // (GatewayCloseReleasesWatchersAttackTest).
        closeHandlers();
        binders.forEach(ListenerBinder::unbound);
    }

    private void closeHandlers() {
        try {
            config.handlers().close();
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "closing the shares: " + e.getMessage(), e);
        }
    }
}
