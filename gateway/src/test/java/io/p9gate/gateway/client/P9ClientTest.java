package io.p9gate.gateway.client;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.proto.Attr;
import io.p9gate.gateway.proto.DirEntry;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.Qid;
import io.p9gate.gateway.proto.TMessage;
import io.p9gate.gateway.server.Gateway;
import io.p9gate.gateway.server.GatewayConfig;
import io.p9gate.gateway.server.ListenSpec;
import io.p9gate.gateway.session.FakeHandler;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The Java client against the real server (fake filesystem half) over TCP and a Unix socket (R-PROTO-1/3). */
class P9ClientTest {
    @TempDir
    Path dir;

    private ListenSpec spec;

    private Gateway start(String transport, FakeHandler.Factory handlers) throws Exception {
        spec = transport.equals("tcp")
                ? new ListenSpec.Tcp("127.0.0.1", 0)
                : new ListenSpec.Unix(dir.resolve("p9.sock"));
        return Gateway.start(new GatewayConfig(List.of(spec), handlers, GatewayConfig.DEFAULT_MSIZE, 4));
    }

    @ParameterizedTest
    @ValueSource(strings = {"tcp", "unix"})
    void blockingCallsRoundTrip(String transport) throws Exception {
        FakeHandler.Factory handlers = new FakeHandler.Factory();
        try (Gateway gateway = start(transport, handlers)) {
            SocketAddress address = gateway.boundAddresses().getFirst();
            try (P9Client client = P9Client.open(address, 65536)) {
                assertEquals(65536, client.msize());
                assertEquals(FakeHandler.ROOT, client.attach(0, "user", "share", 1000));
                List<Qid> qids = client.walk(0, 1, "a", "b");
                assertEquals(2, qids.size());
                client.lopen(1, 2);
                byte[] payload = "hello, 9p".getBytes(StandardCharsets.UTF_8);
                assertEquals(payload.length, client.write(1, 0, payload));
                assertArrayEquals(payload, client.read(1, 0, 100));
                Attr attr = client.getattr(1, Attr.GETATTR_ALL);
                assertEquals(payload.length, attr.size());
                List<DirEntry> entries = client.readdir(0, 0, 4096);
                assertEquals(
                        List.of("file", "dir"),
                        entries.stream().map(DirEntry::name).toList());
                assertEquals(255, client.statfs(0).namelen());
                P9Exception denied = assertThrows(P9Exception.class, () -> client.remove(1));
                assertEquals(Errno.EACCES, denied.errno());
                P9Exception missing = assertThrows(P9Exception.class, () -> client.walk(0, 2, "missing"));
                assertEquals(Errno.ENOENT, missing.errno());
                client.clunk(1);
            }
            assertEquals(1, handlers.opened.size());
            assertEquals(spec.describe(), handlers.opened.peek().context().listener());
            assertEquals(65536, handlers.opened.peek().context().msize());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"tcp", "unix"})
    void flushAnswersAfterTheFlushedRequest(String transport) throws Exception {
        FakeHandler.Factory handlers = new FakeHandler.Factory();
        try (Gateway gateway = start(transport, handlers);
                P9Client client = P9Client.open(gateway.boundAddresses().getFirst(), 8192)) {
            List<String> order = java.util.Collections.synchronizedList(new ArrayList<>());
            PendingCall slow = client.send(new TMessage.Twalk(0, 1, List.of("slow")));
            // The assertion waits for these stages, not the replies: a caller woken by a reply's completion can run
            // before the completing thread has run the reply's dependent actions.
            var walkNoted = slow.reply().whenComplete((r, e) -> order.add("walk"));
            assertTrue(handlers.slowStarted.await(20, java.util.concurrent.TimeUnit.SECONDS));
            PendingCall flush = client.send(new TMessage.Tflush(slow.tag()));
            var flushNoted = flush.reply().whenComplete((r, e) -> order.add("flush"));
            handlers.releaseSlow();
            assertInstanceOf(io.p9gate.gateway.proto.RMessage.Rflush.class, client.await(flush));
            assertInstanceOf(io.p9gate.gateway.proto.RMessage.Rwalk.class, client.await(slow));
            walkNoted.get(20, java.util.concurrent.TimeUnit.SECONDS);
            flushNoted.get(20, java.util.concurrent.TimeUnit.SECONDS);
            assertEquals(List.of("walk", "flush"), order);
        }
    }

    @org.junit.jupiter.api.Test
    void requestOverMsizeFailsLocallyAndTheConnectionStaysUsable() throws Exception {
        try (Gateway gateway = start("tcp", new FakeHandler.Factory());
                P9Client client = P9Client.open(gateway.boundAddresses().getFirst(), 8192)) {
            client.attach(0, "u", "share", 0);
            assertThrows(java.io.IOException.class, () -> client.write(0, 0, new byte[8192]));
            assertEquals(client.iounit(), client.write(0, 0, new byte[client.iounit()]));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"tcp", "unix"})
    void clientsCanShareOneEventLoopGroup(String transport) throws Exception {
        FakeHandler.Factory handlers = new FakeHandler.Factory();
        io.netty.channel.EventLoopGroup group = io.p9gate.gateway.net.Transports.newGroup(1, Thread::new);
        try (Gateway gateway = start(transport, handlers)) {
            SocketAddress address = gateway.boundAddresses().getFirst();
            try (P9Client a = P9Client.connect(address, 8192, group);
                    P9Client b = P9Client.connect(address, 8192, group)) {
                a.version(8192, P9Client.VERSION);
                b.version(8192, P9Client.VERSION);
                assertEquals(FakeHandler.ROOT, a.attach(0, "u", "s", 0));
                assertEquals(FakeHandler.ROOT, b.attach(0, "u", "s", 0));
            }
            assertTrue(!group.isShuttingDown(), "a shared group outlives its clients");
        } finally {
            group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS)
                    .sync();
        }
        assertEquals(2, handlers.opened.size());
    }

    @ParameterizedTest
    @ValueSource(strings = {"tcp", "unix"})
    void pipelinesCallsFromManyThreads(String transport) throws Exception {
        FakeHandler.Factory handlers = new FakeHandler.Factory();
        ExecutorService threads = Executors.newFixedThreadPool(8);
        try (Gateway gateway = start(transport, handlers);
                P9Client client = P9Client.open(gateway.boundAddresses().getFirst(), 8192)) {
            client.attach(0, "u", "share", 0);
            List<Future<Integer>> results = new ArrayList<>();
            for (int i = 0; i < 400; i++) {
                String name = "n" + i;
                results.add(threads.submit(() -> client.walk(0, 0, name).size()));
            }
            for (Future<Integer> result : results) {
                assertEquals(1, result.get());
            }
            // Asynchronous form: a waiting request does not hold back a later one on the same connection.
            PendingCall waiting = client.send(new TMessage.Twalk(0, 5, List.of("wait")));
            client.walk(0, 6, "signal");
            assertInstanceOf(io.p9gate.gateway.proto.RMessage.Rwalk.class, client.await(waiting));
        } finally {
            threads.shutdownNow();
        }
        assertTrue(handlers.closes.get() >= 1);
    }
}
