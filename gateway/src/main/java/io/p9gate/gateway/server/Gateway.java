package io.p9gate.gateway.server;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.p9gate.gateway.codec.PeerName;
import io.p9gate.gateway.budget.OverBudget;
import io.p9gate.gateway.budget.VmBudget;
import io.p9gate.gateway.net.Transports;
import io.p9gate.gateway.session.RequestLane;
import io.p9gate.gateway.session.SessionPipeline;
import io.p9gate.gateway.session.SessionSettings;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A running gateway: its listeners, sessions and worker threads. Each VM's connections have event loop
 * threads of their own (R-ROB-2): a VM that floods the gateway with cheap requests keeps its own loops busy,
 * not the ones that read and answer another VM's requests.
 */
public final class Gateway implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(Gateway.class.getName());
    private static final long SHUTDOWN_WAIT_SECONDS = 10;

    private final GatewayConfig config;
    /** Accepts connections on every listener. */
    private final EventLoopGroup acceptor;
    /** Each VM's connections, by its budget. */
    private final Map<VmBudget, EventLoopGroup> vmLoops = new IdentityHashMap<>();
    private final FairWorkerPool workers;
    private final ChannelGroup connections = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
    private final List<Channel> serverChannels = new ArrayList<>();
    private final List<SocketAddress> bound = new ArrayList<>();
    private final AtomicLong sessionIds = new AtomicLong();
    private final AtomicBoolean closed = new AtomicBoolean();
    /** VMs whose connections are being refused: audited each, logged once until one is admitted again. */
    private final Set<VmBudget> refusing = ConcurrentHashMap.newKeySet();

    private Gateway(GatewayConfig config) {
        this.config = config;
        this.acceptor = Transports.newGroup(1, FairWorkerPool.named("p9gate-accept-"));
        this.workers = new FairWorkerPool(config.workers(), config.workers(), "p9gate-worker");
    }

    /** Binds every listener and starts serving; fails (IOException) if any cannot be bound. */
    public static Gateway start(GatewayConfig config) throws IOException {
        Gateway gateway = new Gateway(config);
        try {
            for (ListenSpec spec : config.listeners()) {
                gateway.bind(spec);
            }
            return gateway;
        } catch (IOException | RuntimeException e) {
            gateway.close();
            throw e;
        }
    }

    private void bind(ListenSpec spec) throws IOException {
        SessionSettings settings = new SessionSettings(spec.describe(), config.maxMsize(), config.maxOutstanding(),
                config.ioLimit());
        // Room for a few full-size replies before the session stops reading (see Session#canServeMore):
        // with Netty's 64 KiB default, one 1 MiB Rread would pause a pipelining client.
        int high = 4 * config.maxMsize();
        VmBudget vm = config.budgets().forListener(spec.describe());
        RequestLane lane = workers.lane(vm);
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(acceptor, loopsOf(vm))
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(high / 2, high))
                .childHandler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel channel) {
                        String peer = PeerNames.describe(channel, spec);
                        if (!admitConnection(vm, channel, peer)) {
                            return;
                        }
                        connections.add(channel);
                        PeerName.set(channel, peer);
                        SessionPipeline.install(channel.pipeline(), config.handlers(), lane, settings,
                                sessionIds::incrementAndGet, peer);
                    }
                });
        switch (spec) {
            case ListenSpec.Tcp tcp -> {
                bootstrap.channel(Transports.tcpServer())
                        .option(ChannelOption.SO_REUSEADDR, true) // restart while old connections linger in TIME_WAIT
                        .childOption(ChannelOption.TCP_NODELAY, true);
                Channel server = bindOrFail(bootstrap, new InetSocketAddress(tcp.host(), tcp.port()), spec);
                bound.add(server.localAddress());
            }
            case ListenSpec.Unix unix -> {
                bootstrap.channel(Transports.unixServer());
                UnixSocketFiles.prepare(unix.path());
                bindOrFail(bootstrap, new DomainSocketAddress(unix.path().toString()), spec);
                UnixSocketFiles.restrict(unix.path());
                bound.add(UnixDomainSocketAddress.of(unix.path()));
            }
        }
    }

    /** The VM's event loops: the cores shared evenly among the VMs, at least one thread each. */
    private EventLoopGroup loopsOf(VmBudget vm) {
        synchronized (vmLoops) {
            return vmLoops.computeIfAbsent(vm, v -> Transports.newGroup(
                    Math.max(1, Runtime.getRuntime().availableProcessors() / Math.max(1, config.budgets().vms().size())),
                    FairWorkerPool.named("p9gate-io-" + v.vm() + "-")));
        }
    }

    /**
     * Takes one of the VM's connections (and a descriptor of the pool), given back when the connection closes;
     * past its budget the connection is closed at once and the refusal recorded (R-ROB-2). The descriptor reserve
     * keeps accept(2) itself from failing for everyone.
     */
    private boolean admitConnection(VmBudget vm, Channel channel, String peer) {
        try {
            vm.connections().acquire(1);
        } catch (OverBudget e) {
            config.budgets().connectionRefused(vm, peer, e);
            channel.close();
            if (refusing.add(vm)) {
                LOG.log(System.Logger.Level.WARNING, () -> "refusing connections from " + peer + ": " + e.getMessage()
                        + "; each refusal is audited, this line is not repeated until one is admitted");
            }
            return false;
        }
        refusing.remove(vm);
        channel.closeFuture().addListener(closed -> vm.connections().release(1));
        return true;
    }

    private Channel bindOrFail(ServerBootstrap bootstrap, SocketAddress address, ListenSpec spec)
            throws IOException {
        var future = bootstrap.bind(address).awaitUninterruptibly();
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
     * Stops accepting, closes every session (releasing fids), stops the workers. Outstanding
     * requests finish first, so that their handlers are closed after the last one returns.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        for (Channel server : serverChannels) {
            server.close().awaitUninterruptibly();
        }
        connections.close().awaitUninterruptibly();
        workers.shutdown();
        awaitQuietly(workers);
        List<EventLoopGroup> loops;
        synchronized (vmLoops) {
            loops = new ArrayList<>(vmLoops.values());
        }
        loops.add(acceptor);
        loops.forEach(group -> group.shutdownGracefully(0, SHUTDOWN_WAIT_SECONDS, TimeUnit.SECONDS));
        loops.forEach(group -> group.terminationFuture().awaitUninterruptibly());
        for (ListenSpec spec : config.listeners()) {
            if (spec instanceof ListenSpec.Unix unix && bound.contains(UnixDomainSocketAddress.of(unix.path()))) {
                UnixSocketFiles.removeQuietly(unix.path());
            }
        }
    }

    private static void awaitQuietly(FairWorkerPool pool) {
        try {
            if (!pool.awaitTermination(SHUTDOWN_WAIT_SECONDS, TimeUnit.SECONDS)) {
                LOG.log(System.Logger.Level.WARNING,
                        () -> "requests still running after " + SHUTDOWN_WAIT_SECONDS + " s; stopping anyway");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
