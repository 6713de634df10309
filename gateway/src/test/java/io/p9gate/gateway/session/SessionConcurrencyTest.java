package io.p9gate.gateway.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.Unpooled;
import io.p9gate.gateway.proto.Frame;
import io.p9gate.gateway.proto.RMessage;
import io.p9gate.gateway.proto.TMessage;
import io.p9gate.gateway.server.Gateway;
import io.p9gate.gateway.server.GatewayConfig;
import io.p9gate.gateway.server.ListenSpec;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Real threads over real TCP: concurrent tags, Tflush ordering, backpressure, teardown (R-PROTO-3, R-ROB-2). */
class SessionConcurrencyTest {
    private final FakeHandler.Factory handlers = new FakeHandler.Factory();
    private Gateway gateway;

    private RawConnection connect(int maxOutstanding) throws Exception {
        gateway = Gateway.start(
                new GatewayConfig(List.of(new ListenSpec.Tcp("127.0.0.1", 0)), handlers, 65536, 4, maxOutstanding));
        RawConnection connection =
                new RawConnection((InetSocketAddress) gateway.boundAddresses().getFirst());
        connection.send(Frame.NOTAG, new TMessage.Tversion(65536, "9P2000.L"));
        assertInstanceOf(RMessage.Rversion.class, connection.receive().body());
        return connection;
    }

    @AfterEach
    void stop() {
        handlers.releaseSlow();
        if (gateway != null) {
            gateway.close();
        }
    }

    private static void eventually(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!condition.getAsBoolean() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertTrue(condition.getAsBoolean());
    }

    private static TMessage.Twalk walk(String name) {
        return new TMessage.Twalk(0, 1, List.of(name));
    }

    @Test
    void aLaterRequestCompletesWhileAnEarlierOneBlocks() throws Exception {
        try (RawConnection c = connect(64)) {
            c.send(1, walk("wait")); // blocks until "signal" runs: deadlock if served one at a time
            c.send(2, walk("signal"));
            // "wait" answers Rwalk only if "signal" ran while it was blocked (else ETIMEDOUT).
            Frame x = c.receive();
            Frame y = c.receive();
            assertEquals(java.util.Set.of(1, 2), java.util.Set.of(x.tag(), y.tag()));
            assertInstanceOf(RMessage.Rwalk.class, x.body());
            assertInstanceOf(RMessage.Rwalk.class, y.body());
        }
    }

    @Test
    void rflushIsSentOnlyAfterTheFlushedReply() throws Exception {
        try (RawConnection c = connect(64)) {
            c.send(1, walk("slow"));
            assertTrue(handlers.slowStarted.await(20, TimeUnit.SECONDS));
            c.send(2, new TMessage.Tflush(1));
            c.send(3, new TMessage.Tflush(77)); // not outstanding: answered at once
            assertEquals(new Frame(3, new RMessage.Rflush()), c.receive());
            handlers.releaseSlow();
            Frame first = c.receive();
            assertEquals(1, first.tag());
            assertInstanceOf(RMessage.Rwalk.class, first.body());
            assertEquals(new Frame(2, new RMessage.Rflush()), c.receive());
        }
    }

    @Test
    void atTheOutstandingCapFurtherRequestsWait() throws Exception {
        try (RawConnection c = connect(1)) {
            c.send(1, walk("slow"));
            assertTrue(handlers.slowStarted.await(20, TimeUnit.SECONDS));
            c.send(2, new TMessage.Tclunk(5)); // would be answered first if it were served now
            handlers.releaseSlow();
            assertEquals(1, c.receive().tag());
            assertEquals(new Frame(2, new RMessage.Rclunk()), c.receive());
        }
    }

    @Test
    void flushOfAWaitingRequestDropsItWithoutWaitingForTheCap() throws Exception {
        try (RawConnection c = connect(1)) {
            c.send(1, walk("slow"));
            assertTrue(handlers.slowStarted.await(20, TimeUnit.SECONDS));
            // In one read: tag 2 waits (the one slot is taken) and the session stops reading until it can serve
            // it, so a Tflush that came in a later read would wait for the slot too (a 300 ms gap between the two
            // sends made it wait for the slow walk's 30 s timeout). The Tflush of the same read is served at once
            // and drops tag 2 before it starts.
            c.sendTogether(new Frame(2, new TMessage.Tclunk(5)), new Frame(3, new TMessage.Tflush(2)));
            assertEquals(new Frame(3, new RMessage.Rflush()), c.receive());
            handlers.releaseSlow();
            assertEquals(1, c.receive().tag());
            c.send(4, new TMessage.Tclunk(6));
            assertEquals(new Frame(4, new RMessage.Rclunk()), c.receive(), "tag 2 was never answered");
        }
    }

    @Test
    void reusingAnOutstandingTagClosesTheConnection() throws Exception {
        try (RawConnection c = connect(64)) {
            c.send(1, walk("slow"));
            assertTrue(handlers.slowStarted.await(20, TimeUnit.SECONDS));
            c.send(1, new TMessage.Tclunk(5));
            assertTrue(c.closedByServer());
            handlers.releaseSlow();
            eventually(() -> handlers.closes.get() == 1);
        }
    }

    /**
     * Regression guard: before Session marked itself closed here, only the side effect that a
     * closed channel reports "not writable" kept the Twrite in the backlog instead of serving it.
     */
    @Test
    void nothingAfterAReusedTagInTheSameReadIsServed() throws Exception {
        try (RawConnection c = connect(64)) {
            c.send(1, walk("slow"));
            assertTrue(handlers.slowStarted.await(20, TimeUnit.SECONDS));
            c.sendTogether(
                    new Frame(1, new TMessage.Tclunk(5)),
                    new Frame(2, new TMessage.Twrite(1, 0, Unpooled.wrappedBuffer(new byte[] {1, 2, 3}))));
            assertTrue(c.closedByServer());
            handlers.releaseSlow();
            // The handler closes only once every request it was given has returned.
            eventually(() -> handlers.closes.get() == 1);
            assertTrue(handlers.writeBuffers.isEmpty(), "a request from a connection judged broken was served");
        }
    }

    @Test
    void handlerClosesOnlyAfterTheLastInFlightRequestReturns() throws Exception {
        RawConnection c = connect(64);
        c.send(1, walk("slow"));
        assertTrue(handlers.slowStarted.await(20, TimeUnit.SECONDS));
        c.close();
        // The request is still running on a worker: its handler must stay open for it.
        Thread.sleep(100);
        assertEquals(0, handlers.closes.get());
        handlers.releaseSlow();
        eventually(() -> handlers.closes.get() == 1);
        gateway.close();
        assertEquals(1, handlers.closes.get(), "closed exactly once");
    }

    @Test
    void gatewayCloseClosesEverySessionOnce() throws Exception {
        RawConnection a = connect(64);
        RawConnection b =
                new RawConnection((InetSocketAddress) gateway.boundAddresses().getFirst());
        b.send(Frame.NOTAG, new TMessage.Tversion(8192, "9P2000.L"));
        b.receive();
        gateway.close();
        assertEquals(2, handlers.opened.size());
        assertEquals(2, handlers.closes.get());
        assertTrue(a.closedByServer());
        a.close();
        b.close();
    }
}
