package io.p9gate.gateway.server;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.p9gate.gateway.codec.PeerName;
import io.p9gate.gateway.net.Transports;
import io.p9gate.gateway.session.SessionPipeline;
import io.p9gate.gateway.session.SessionSettings;
import java.io.IOException;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/** A running gateway: its listeners, sessions and worker threads. */
public final class Gateway implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(Gateway.class.getName());
    private static final long SHUTDOWN_WAIT_SECONDS = 10;

    private final GatewayConfig config;
    private final EventLoopGroup eventLoops;
    private final ExecutorService workers;
    private final ChannelGroup connections = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
    private final List<Channel> serverChannels = new ArrayList<>();
    private final List<SocketAddress> bound = new ArrayList<>();
    private final AtomicLong sessionIds = new AtomicLong();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final PeerIdentifier identifier;
    private final List<ListenerBinder> binders = new ArrayList<>();

    private Gateway(GatewayConfig config, PeerIdentifier identifier) {
        this.config = config;
        this.identifier = identifier;
        this.eventLoops = Transports.newGroup(Math.max(2, Runtime.getRuntime().availableProcessors()),
                WorkerPool.named("p9gate-io-"));
        this.workers = WorkerPool.create(config.workers());
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
        Gateway gateway = new Gateway(config, identifier);
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
        ListenerBinder binder = ListenerBinder.of(spec);
        // Room for a few full-size replies before the session stops reading (see Session#canServeMore):
        // with Netty's 64 KiB default, one 1 MiB Rread would pause a pipelining client.
        int high = 4 * config.maxMsize();
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(eventLoops)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(high / 2, high))
                .childHandler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel channel) {
                        connections.add(channel);
                        String peer = PeerNames.describe(channel, spec);
                        PeerName.set(channel, peer);
                        // The transport says which VM this is (R-DEP-1) before any 9P byte is read.
                        binder.identify(channel, identifier, vm -> SessionPipeline.install(channel.pipeline(),
                                config.handlers(), workers, settings.forVm(vm), sessionIds::incrementAndGet, peer));
                    }
                });
        binder.configure(bootstrap);
        binders.add(binder);
        Channel server = bindOrFail(bootstrap, binder.address(), spec);
        binder.bound(server);
        bound.add(binder.boundAddress(server));
    }

    private Channel bindOrFail(ServerBootstrap bootstrap, SocketAddress address, ListenSpec spec)
            throws IOException {
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
        eventLoops.shutdownGracefully(0, SHUTDOWN_WAIT_SECONDS, TimeUnit.SECONDS).awaitUninterruptibly();
        binders.forEach(ListenerBinder::unbound);
    }

    private static void awaitQuietly(ExecutorService pool) {
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
