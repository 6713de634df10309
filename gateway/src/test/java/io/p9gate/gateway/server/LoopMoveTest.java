package io.p9gate.gateway.server;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.netty.util.ReferenceCountUtil;
import io.p9gate.gateway.certs.TestPki;
import io.p9gate.gateway.client.ClientTls;
import io.p9gate.gateway.codec.PeerCausedLog;
import io.p9gate.gateway.codec.PipelineErrorHandler;
import io.p9gate.gateway.net.Transports;
import io.p9gate.gateway.testing.LoggedLines;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link LoopMove}: a connection of a shared listener moving from the loop that identified it to its VM's loops.
 *
 * <p>While it moves, {@link LoopMove} is the pipeline's last handler (the session's error handler is not installed
 * yet). An error then (bytes after the handshake the TLS engine cannot decode) reached Netty's tail: one
 * unthrottled WARNING per connection carrying the guest's bytes, and the connection stayed open.
 *
 * <p>Between the loops the channel is registered with none, and Netty tells the handlers of a channel closed then
 * nothing (no channelInactive, no channelUnregistered, so no handlerRemoved): the data held for the move and the
 * TLS handler's buffers and engine stayed allocated for good, once per connection closed mid-move (the gateway
 * stopping) or moved to loops that were shut down. Each test holds what a real move holds (an incomplete TLS record
 * in the engine's buffer, decrypted bytes held for the session) and checks their reference counts.
 */
class LoopMoveTest {
    private static final Duration WAIT = Duration.ofSeconds(20);

    @TempDir
    Path tmp;

    private final List<EventLoopGroup> groups = new ArrayList<>();
    private final List<Channel> channels = new ArrayList<>();
    private final List<ByteBuf> buffers = new ArrayList<>();

    @AfterEach
    void stop() {
        channels.forEach(Channel::close);
        groups.forEach(g -> g.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly());
        for (ByteBuf b : buffers) {
            if (b.refCnt() > 0) {
                ReferenceCountUtil.release(b, b.refCnt()); // a failed test must not blame the next one's leak checks
            }
        }
    }

    @Test
    void anErrorDuringTheMoveClosesTheConnectionAndStopsThere() {
        EmbeddedChannel channel = new EmbeddedChannel(new LoopMove(PeerCausedLog.ANY));
        channel.pipeline().fireExceptionCaught(new DecoderException("not an SSL/TLS record: 474554202f"));
        assertDoesNotThrow(channel::checkException, "the error reached the end of the pipeline");
        assertFalse(channel.isOpen(), "the connection is closed");
    }

    /**
     * The line of such an error is throttled to one a minute, as a session's last handler's: it was one for the whole
     * process, so that VM a's flood left VM b's line out (1 line for the two VMs' connections); now per VM (2).
     */
    @Test
    void anErrorDuringTheMoveOfOneVmDoesNotHideAnotherVmsLine() {
        String run = UUID.randomUUID().toString(); // VMs of their own: other tests of this JVM log such lines
        try (LoggedLines log = new LoggedLines(PipelineErrorHandler.class.getName())) {
            for (String vm : List.of("a-" + run, "a-" + run, "a-" + run, "b-" + run)) {
                EmbeddedChannel channel = new EmbeddedChannel(new LoopMove(PeerCausedLog.key(vm, "tls:test")));
                channel.pipeline().fireExceptionCaught(new DecoderException("undecodable " + run));
                assertFalse(channel.isOpen(), "the connection is closed");
            }
            List<String> lines = log.startingWith("").stream()
                    .filter(l -> l.contains("undecodable " + run))
                    .toList();
            assertEquals(2, lines.size(), "one line for each VM, the flood's repeats left out: " + lines);
        }
    }

    @Test
    void aMovedConnectionGetsWhatWasHeldOnItsNewLoopAfterItsSession() throws Exception {
        EventLoopGroup vm = group();
        Moving m = startMove(tlsConnection(), vm.next(), null);
        awaitTrue(() -> !m.read().isEmpty());
        assertEquals(List.of("Tversion"), m.read(), "what was held, passed on to the session installed there");
        assertTrue(
                m.arrivedOn().get().getName().startsWith("vm-"),
                m.arrivedOn().get().getName());
        assertTrue(m.channel().isOpen());
        assertTrue(m.channel().eventLoop().inEventLoop(m.arrivedOn().get()), "the connection is on the VM's loop");
        assertNull(m.channel().pipeline().get(LoopMove.class), "the move's handler is gone once arrived");
    }

    @Test
    void aConnectionClosedWhileBetweenLoopsReleasesWhatItHolds() throws Exception {
        // As the gateway's stop closes every connection, from its own thread: the close is queued on the shared
        // loop, behind the deregistration.
        assertReleased(closedBetweenLoops(Channel::close));
    }

    @Test
    void aConnectionClosedBelowThePipelineWhileBetweenLoopsReleasesWhatItHolds() throws Exception {
        // The socket closed by Netty itself (as a failed registration does), no handler asked.
        assertReleased(closedBetweenLoops(
                c -> c.eventLoop().execute(() -> c.unsafe().close(c.unsafe().voidPromise()))));
    }

    @Test
    void aMoveToLoopsThatAreShutDownClosesTheConnectionAndReleasesWhatItHolds() throws Exception {
        EventLoopGroup vm = group();
        EventLoop target = vm.next();
        vm.shutdownGracefully(0, 0, TimeUnit.SECONDS).await(WAIT.toMillis());
        Moving m = startMove(tlsConnection(), target, null);
        assertReleased(m);
    }

    /**
     * Starts a move whose VM loop is held, and runs {@code close} while the shared loop is held from before its
     * deregistration of the channel: what it queues there runs between the loops. Then lets both loops go on.
     */
    private Moving closedBetweenLoops(Consumer<Channel> close) throws Exception {
        EventLoop target = group().next();
        CountDownLatch releaseTarget = hold(target);
        Channel connection = tlsConnection();
        CountDownLatch releaseShared = new CountDownLatch(1);
        Moving m = startMove(connection, target, releaseShared);
        close.accept(connection);
        releaseShared.countDown();
        connection.eventLoop().submit(() -> {}).await(WAIT.toMillis()); // what the close queued there has run
        releaseTarget.countDown();
        return m;
    }

    /**
     * A connection being moved, what it holds, where its session was installed (null: nowhere) and what that
     * session read.
     */
    private record Moving(
            Channel channel,
            SslHandler tls,
            ByteBuf incomplete,
            ByteBuf held,
            AtomicReference<Thread> arrivedOn,
            List<String> read) {}

    /**
     * On the connection's loop, as the TLS identity gate does: starts the move, then hands the TLS handler the first
     * bytes of a record (kept in its buffer) and LoopMove decrypted bytes (held for the session), as the rest of
     * the read that ended the handshake does. With {@code holdShared}, the loop is held from before its
     * deregistration of the channel until it is counted down.
     */
    private Moving startMove(Channel connection, EventLoop target, CountDownLatch holdShared) throws Exception {
        SslHandler tls = connection.pipeline().get(SslHandler.class);
        ByteBuf incomplete = track(connection.alloc().buffer().writeBytes(new byte[] {23, 3, 3, 0, 100, 1, 2, 3}));
        ByteBuf held = track(connection.alloc().buffer().writeBytes("Tversion".getBytes(StandardCharsets.US_ASCII)));
        AtomicReference<Thread> arrivedOn = new AtomicReference<>();
        List<String> read = new CopyOnWriteArrayList<>();
        // Stands for the session: installed on arrival, it reads what was held.
        Runnable session = () -> {
            arrivedOn.set(Thread.currentThread());
            connection.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                @Override
                public void channelRead(ChannelHandlerContext ctx, Object msg) {
                    read.add(((ByteBuf) msg).toString(StandardCharsets.US_ASCII));
                    ReferenceCountUtil.release(msg);
                }
            });
        };
        CountDownLatch sharedHeld = new CountDownLatch(1);
        connection
                .eventLoop()
                .submit(() -> {
                    if (holdShared != null) {
                        connection.eventLoop().execute(() -> {
                            sharedHeld.countDown();
                            awaitQuietly(holdShared);
                        });
                    }
                    LoopMove.move(connection, target, PeerCausedLog.ANY, session);
                    connection.pipeline().fireChannelRead(incomplete.retain());
                    connection.pipeline().context(SslHandler.class).fireChannelRead(held.retain());
                })
                .await(WAIT.toMillis());
        if (holdShared != null) {
            assertTrue(sharedHeld.await(WAIT.toMillis(), TimeUnit.MILLISECONDS));
        }
        // The test keeps a reference of its own to read the counts: dropped here, so 0 means released.
        incomplete.release();
        held.release();
        return new Moving(connection, tls, incomplete, held, arrivedOn, read);
    }

    private void assertReleased(Moving m) throws InterruptedException {
        assertTrue(m.channel().closeFuture().await(WAIT.toMillis()), "the connection is closed");
        awaitTrue(() -> m.held().refCnt() == 0
                && m.incomplete().refCnt() == 0
                && m.channel().pipeline().get(SslHandler.class) == null);
        assertEquals(0, m.held().refCnt(), "the bytes held for the session are released");
        assertEquals(0, m.incomplete().refCnt(), "the TLS handler's buffer is released");
        assertTrue(m.tls().sslCloseFuture().isDone(), "the TLS handler has seen the connection end");
        // Removed, its handlerRemoved ran: that is what releases a reference-counted (OpenSSL) engine.
        assertNull(m.channel().pipeline().get(SslHandler.class), "the TLS handler is removed");
        assertNull(m.channel().pipeline().get(LoopMove.class), "the move's handler is removed");
        assertNull(m.arrivedOn().get(), "no session is installed on a closed connection");
    }

    /** A server-side TLS connection accepted on a loop of its own, its handshake done. */
    private Channel tlsConnection() throws Exception {
        TestPki pki = TestPki.create(tmp.resolve("pki"), "p9gate test CA", List.of(), Duration.ofDays(1));
        pki.issueClient("a", Duration.ofDays(1));
        SslContext server = ServerTls.load(
                        pki.dir().resolve(TestPki.SERVER_CERT), pki.dir().resolve(TestPki.SERVER_KEY))
                .context(InsecureTrustManagerFactory.INSTANCE.getTrustManagers()[0]);
        SslContext client = ClientTls.of(
                pki.dir().resolve("a").resolve(TestPki.CLIENT_CERT),
                pki.dir().resolve("a").resolve(TestPki.CLIENT_KEY),
                pki.dir().resolve(TestPki.CA_CERT));
        CompletableFuture<Channel> accepted = new CompletableFuture<>();
        EventLoopGroup shared = group("shared-");
        Channel listening = new ServerBootstrap()
                .group(shared)
                .channel(Transports.tcpServer())
                .childHandler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        SslHandler tls = server.newHandler(ch.alloc());
                        ch.pipeline().addLast(tls);
                        tls.handshakeFuture().addListener(f -> {
                            if (f.isSuccess()) {
                                accepted.complete(ch);
                            }
                        });
                    }
                })
                .bind(new InetSocketAddress("127.0.0.1", 0))
                .sync()
                .channel();
        channels.add(listening);
        Channel out = new Bootstrap()
                .group(group("client-"))
                .channel(Transports.tcpClient())
                .handler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(client.newHandler(ch.alloc(), "127.0.0.1", 0));
                    }
                })
                .connect(listening.localAddress())
                .sync()
                .channel();
        channels.add(out);
        Channel in = accepted.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        channels.add(in);
        return in;
    }

    private EventLoopGroup group() {
        return group("vm-");
    }

    private EventLoopGroup group(String name) {
        EventLoopGroup g = Transports.newGroup(1, r -> new Thread(r, name + groups.size()));
        groups.add(g);
        return g;
    }

    /** Holds {@code loop} until the answer is counted down. */
    private static CountDownLatch hold(EventLoop loop) throws InterruptedException {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch held = new CountDownLatch(1);
        loop.execute(() -> {
            held.countDown();
            awaitQuietly(release);
        });
        assertTrue(held.await(WAIT.toMillis(), TimeUnit.MILLISECONDS));
        return release;
    }

    private ByteBuf track(ByteBuf b) {
        buffers.add(b);
        return b;
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Polls {@code done} until it holds or {@link #WAIT} passed; the caller asserts what it needs after. */
    private static void awaitTrue(BooleanSupplier done) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!done.getAsBoolean() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
    }
}
