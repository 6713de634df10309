package io.p9gate.gateway.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.p9gate.gateway.certs.CannedClientHello;
import io.p9gate.gateway.certs.TestPki;
import io.p9gate.gateway.net.Transports;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link HandshakeTurns}: a tls: listener's handshake work, one thread shared among peer addresses (R-ROB-2).
 *
 * <p>The handshakes ran first come, first served: a peer handshaking in a loop (a replayed ClientHello costs it
 * nothing, the gateway a key agreement and a signature) queued its whole backlog ahead of another address's
 * handshake, whose VM then waited for all of it (here 8 of the flood's handshake steps ran before VM b's first).
 * Each address now has a queue of its own, served in turn: at most one of the flood's steps runs first.
 */
class HandshakeTurnsTest {
    /** How many handshakes address A has begun when B's begins: a VM's connections, the cap per address. */
    private static final int FLOOD = 8;

    private static final Duration WAIT = Duration.ofSeconds(20);

    @TempDir
    Path tmp;

    /** A tls: listener whose handshake tasks run on {@code turns}; its connections as the gateway sees them. */
    private record Listening(
            TlsBinder binder, EventLoopGroup loops, Channel server, int port, byte[] hello, List<Channel> connections)
            implements AutoCloseable {
        static Listening on(Path tmp, HandshakeTurns turns) throws Exception {
            TestPki pki = TestPki.create(tmp.resolve("pki"), "p9gate test CA", List.of(), Duration.ofDays(1));
            ServerTls tls = ServerTls.load(
                    pki.dir().resolve(TestPki.SERVER_CERT), pki.dir().resolve(TestPki.SERVER_KEY));
            byte[] hello = CannedClientHello.of(pki.dir().resolve(TestPki.CA_CERT));
            TlsBinder binder = new TlsBinder(new ListenSpec.Tls("127.0.0.1", 0, tls), turns);
            EventLoopGroup loops = Transports.newGroup(2, FairWorkerPool.named("test-loop-"));
            List<Channel> connections = new CopyOnWriteArrayList<>();
            ServerBootstrap bootstrap = new ServerBootstrap().group(loops).childHandler(new ChannelInitializer<>() {
                @Override
                protected void initChannel(Channel connection) {
                    connections.add(connection);
                    binder.identify(connection, PeerIdentifier.LISTENER_IS_VM, vm -> {});
                }
            });
            binder.configure(bootstrap);
            Channel server = bootstrap.bind(binder.address()).sync().channel();
            int port = ((InetSocketAddress) binder.boundAddress(server)).getPort();
            return new Listening(binder, loops, server, port, hello, connections);
        }

        @Override
        public void close() {
            server.close().syncUninterruptibly();
            binder.unbound();
            loops.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    /**
     * A handshake step queued for a connection closed meanwhile (its peer gone, or its handshake timed out behind
     * other addresses' steps on a loaded machine) is dropped, not run: run, it checked the certificate of a
     * connection already ended and recorded a second refusal for it beside the timeout's (fixture43 saw both records
     * for one connection under load), and took the thread from connections still waiting.
     */
    @Test
    void aStepQueuedForAConnectionClosedMeanwhileIsNotRun() throws Exception {
        InetAddress a = InetAddress.getByName("127.0.0.2");
        InetAddress c = InetAddress.getByName("127.0.0.4");
        InetAddress d = InetAddress.getByName("127.0.0.5");
        List<InetAddress> ran = new CopyOnWriteArrayList<>();
        HandshakeTurns turns = new HandshakeTurns("test-tls-handshake", ran::add);
        CountDownLatch release = new CountDownLatch(1);
        try (Listening listening = Listening.on(tmp, turns)) {
            turns.of(a, () -> true).execute(() -> awaitUninterruptibly(release));
            awaitTrue(() -> ran.size() == 1);
            Socket closing = hello(c, listening.port(), listening.hello());
            awaitTrue(() -> turns.waiting() == 1);
            closing.close();
            awaitTrue(() -> !listening.connections().isEmpty()
                    && !listening.connections().getFirst().isActive());
            release.countDown();
            turns.of(d, () -> true).execute(() -> {});
            awaitTrue(() -> ran.contains(d));
            assertEquals(List.of(a, d), ran, "the closed connection's queued step ran");
        } finally {
            release.countDown();
        }
    }

    @Test
    void aPeerHandshakingInALoopDelaysAnotherAddressesHandshakeByOneStepOfItsOwn() throws Exception {
        InetAddress a = InetAddress.getByName("127.0.0.2");
        InetAddress b = InetAddress.getByName("127.0.0.3");
        List<InetAddress> ran = new CopyOnWriteArrayList<>();
        HandshakeTurns turns = new HandshakeTurns("test-tls-handshake", ran::add);
        Listening listening = Listening.on(tmp, turns);
        int port = listening.port();
        byte[] hello = listening.hello();
        CountDownLatch release = new CountDownLatch(1);
        List<Socket> peers = new ArrayList<>();
        try {
            // A step of one of A's handshakes holds the thread while the others and B's are queued.
            turns.of(a, () -> true).execute(() -> awaitUninterruptibly(release));
            awaitTrue(() -> ran.size() == 1);
            for (int i = 0; i < FLOOD; i++) {
                peers.add(hello(a, port, hello));
            }
            awaitTrue(() -> turns.waiting() == FLOOD);
            peers.add(hello(b, port, hello));
            awaitTrue(() -> turns.waiting() == FLOOD + 1);
            release.countDown();
            awaitTrue(() -> ran.contains(b));
            long before =
                    ran.subList(1, ran.indexOf(b)).stream().filter(a::equals).count();
            assertTrue(before <= 1, "A's handshake steps run before B's first: " + before + " of " + FLOOD);
            awaitTrue(() -> turns.waiting() == 0);
            assertEquals(FLOOD + 2, ran.size(), "one step per ClientHello, and the one that held the thread");
        } finally {
            release.countDown();
            for (Socket s : peers) {
                s.close();
            }
            listening.close();
        }
    }

    /** A connection from {@code from} that sends {@code hello} and nothing more. */
    private static Socket hello(InetAddress from, int port, byte[] hello) throws IOException {
        Socket s = new Socket();
        s.bind(new InetSocketAddress(from, 0));
        s.connect(new InetSocketAddress("127.0.0.1", port));
        s.getOutputStream().write(hello);
        s.getOutputStream().flush();
        return s;
    }

    private static void awaitUninterruptibly(CountDownLatch latch) {
        while (true) {
            try {
                latch.await();
                return;
            } catch (InterruptedException e) {
                // the listener closing: the test's finally releases it
            }
        }
    }

    private static void awaitTrue(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean() && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertTrue(condition.getAsBoolean(), "within " + WAIT);
    }
}
