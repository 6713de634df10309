package io.p9gate.gateway.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.budget.Budgets;
import io.p9gate.gateway.budget.HostResources;
import io.p9gate.gateway.budget.Limits;
import io.p9gate.gateway.budget.OverBudget;
import io.p9gate.gateway.budget.VmBudget;
import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.client.PendingCall;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.TMessage;
import io.p9gate.gateway.session.FakeHandler;
import io.p9gate.gateway.session.SessionSettings;
import io.p9gate.gateway.testing.LoggedLines;
import java.net.SocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A VM's connections (R-ROB-2): past its connection budget they are closed at accept and reported, other VMs
 * unaffected; and they are read and answered on event loop threads of that VM alone.
 */
class ConnectionBudgetTest {
    private static final long LOTS = 1_000_000;

    @TempDir
    Path dir;

    @Test
    void eachVmsConnectionsAreServedByEventLoopsOfItsOwn() throws Exception {
        ListenSpec a = new ListenSpec.Unix(dir.resolve("a.sock"));
        ListenSpec b = new ListenSpec.Unix(dir.resolve("b.sock"));
        GatewayConfig config = new GatewayConfig(List.of(a, b), new FakeHandler.Factory(), 8192, 2);
        try (Gateway gateway = Gateway.start(config);
                P9Client first = P9Client.open(gateway.boundAddresses().get(0), 8192);
                P9Client second = P9Client.open(gateway.boundAddresses().get(1), 8192)) {
            List<String> loops = Thread.getAllStackTraces().keySet().stream()
                    .map(Thread::getName)
                    .filter(name -> name.startsWith("p9gate-io-"))
                    .sorted()
                    .toList();
            assertTrue(loops.stream().anyMatch(n -> n.startsWith("p9gate-io-" + a.describe() + "-")), loops::toString);
            assertTrue(loops.stream().anyMatch(n -> n.startsWith("p9gate-io-" + b.describe() + "-")), loops::toString);
            assertTrue(first.isOpen() && second.isOpen());
        }
    }

    @Test
    void connectionsPastAVmsBudgetAreClosedAtAcceptAndReportedWhileAnotherVmConnects() throws Exception {
        ListenSpec a = new ListenSpec.Unix(dir.resolve("a.sock"));
        ListenSpec b = new ListenSpec.Unix(dir.resolve("b.sock"));
        Budgets budgets = new Budgets(HostResources.current(), 8192);
        budgets.add("a", new Limits(1, LOTS, LOTS, LOTS, LOTS, LOTS, LOTS, 1), List.of(a.describe()));
        budgets.add("b", new Limits(1, LOTS, LOTS, LOTS, LOTS, LOTS, LOTS, 1), List.of(b.describe()));
        record Refusal(String vm, OverBudget why) {}
        List<Refusal> refusals = new CopyOnWriteArrayList<>();
        budgets.onConnectionRefused((vm, peer, why) -> refusals.add(new Refusal(vm.vm(), why)));
        GatewayConfig config = new GatewayConfig(
                List.of(a, b), new FakeHandler.Factory(), 8192, 2, SessionSettings.DEFAULT_MAX_OUTSTANDING, 0, budgets);
        try (Gateway gateway = Gateway.start(config)) {
            SocketAddress aAddress = gateway.boundAddresses().get(0);
            SocketAddress bAddress = gateway.boundAddresses().get(1);
            try (P9Client first = P9Client.open(aAddress, 8192)) {
                try (SocketChannel second = SocketChannel.open(aAddress)) {
                    assertEquals(-1, second.read(ByteBuffer.allocate(16)), "closed by the gateway at once");
                }
                assertEquals(1, refusals.size());
                assertEquals("a", refusals.getFirst().vm());
                assertEquals("budget.connections", refusals.getFirst().why().rule());
                assertEquals(Errno.ECONNREFUSED, refusals.getFirst().why().errno());
                try (P9Client other = P9Client.open(bAddress, 8192)) {
                    assertTrue(other.isOpen(), "VM b's budget is its own");
                }
                assertTrue(first.isOpen());
            }
            VmBudget vmA = budgets.vm("a").orElseThrow();
            for (int i = 0; i < 3000 && vmA.connections().used() > 0; i++) {
                Thread.sleep(10);
            }
            try (P9Client again = P9Client.open(aAddress, 8192)) {
                assertTrue(again.isOpen(), "a closed connection gives its place back");
            }
        }
    }

    /**
     * A listener several VMs share (tls:, vsock:; here TCP with an identifier that names VM a, as vsock's CID
     * does, on the same path) moves each connection to its VM's loops once identified. The VM's connection budget
     * used to be taken only once the connection had arrived there: in between it counted against nothing. A VM
     * whose loop was busy (here a request served on it that does not return, as a read on a hung mount would)
     * could so hold any number of connections, each a descriptor outside its budget and the process's pool, and
     * the VM's limit was exceeded for as long as its loop stayed busy. The place is now taken when the transport
     * names the VM (here, as on vsock:, at accept: VsockAcceptBacklogAttackTest), and given back when the session ends or when the connection
     * closes without one (here: the gateway stopping while they are between loops).
     */
    @Test
    void aSharedListenersConnectionHoldsItsVmsBudgetFromItsIdentification() throws Exception {
        ListenSpec shared = new ListenSpec.Tcp("127.0.0.1", 0);
        Budgets budgets = new Budgets(HostResources.current(), 8192);
        VmBudget vmA = budgets.add("a", new Limits(2, LOTS, LOTS, LOTS, LOTS, LOTS, LOTS, 1), List.of());
        // So many VMs that each has one event loop thread, whatever the machine's cores: one request held on VM
        // a's loop holds all of them.
        for (int i = 0; i < 512; i++) {
            budgets.add("idle" + i, new Limits(1, 1, 1, 1, 1, 1, 1, 1), List.of());
        }
        List<String> refusals = new CopyOnWriteArrayList<>();
        budgets.onConnectionRefused((vm, peer, why) -> refusals.add(vm.vm()));
        long poolBefore = budgets.descriptorPool().used();
        FakeHandler.Factory handlers = new FakeHandler.Factory();
        CountDownLatch release = new CountDownLatch(1);
        handlers.holdGetattr = release;
        GatewayConfig config = new GatewayConfig(
                List.of(shared), handlers, 8192, 2, SessionSettings.DEFAULT_MAX_OUTSTANDING, 0, budgets);
        Gateway gateway = Gateway.start(config, (listener, peer) -> new PeerVerdict.Accepted("a"));
        SocketAddress address = gateway.boundAddresses().getFirst();
        List<SocketChannel> flood = new ArrayList<>();
        P9Client first = P9Client.open(address, 8192);
        try {
            first.attach(0, "root", "", 0);
            // Served on VM a's loop, where it stays (up to FakeHandler's 30 s; what follows waits at most 15 s).
            PendingCall held = first.send(new TMessage.Tgetattr(0, 0x7ff));
            assertTrue(handlers.getattrHeld.await(30, TimeUnit.SECONDS), "VM a's loop is held");
            for (int i = 0; i < 4; i++) {
                flood.add(SocketChannel.open(address));
            }
            // One place left: one connection takes it and waits between the loops, three are refused at once.
            for (int i = 0; i < 1500 && refusals.size() < 3; i++) {
                Thread.sleep(10);
            }
            assertEquals(List.of("a", "a", "a"), refusals, "refused while VM a's loop is busy");
            assertEquals(2, vmA.connections().used(), "the connection between the loops holds VM a's place");
            int closed = 0;
            for (SocketChannel s : flood) {
                s.socket().setSoTimeout(500);
                try {
                    closed += s.socket().getInputStream().read() < 0 ? 1 : 0;
                } catch (SocketTimeoutException stillOpen) {
                    // the one admitted
                }
            }
            assertEquals(3, closed, "the refused connections are closed");
            assertFalse(held.reply().isDone(), "all this while VM a's loop was held");
            // The gateway stops with one connection still between the loops, then VM a's loop is free.
            Thread stop = Thread.ofPlatform().start(gateway::close);
            release.countDown();
            stop.join(Gateway.LONGEST_CLOSE.toMillis() + 30_000);
            assertFalse(stop.isAlive(), "the gateway stopped");
        } finally {
            release.countDown();
            first.close();
            for (SocketChannel s : flood) {
                s.close();
            }
            gateway.close();
        }
        for (int i = 0; i < 3000 && vmA.connections().used() > 0; i++) {
            Thread.sleep(10);
        }
        assertEquals(0, vmA.connections().used(), "every place given back");
        assertEquals(poolBefore, budgets.descriptorPool().used(), "every descriptor given back to the pool");
    }

    /**
     * A VM at its connection limit that reconnects in a loop: one connection admitted, the next refused, the first
     * closed, again. The line saying its connections are refused was logged again after each admission, one per
     * cycle (90-150 lines/s measured); now at most one a minute per VM.
     */
    @Test
    void aVmReconnectingInALoopPastItsLimitIsLoggedOnceAMinute() throws Exception {
        ListenSpec a = new ListenSpec.Unix(dir.resolve("a.sock"));
        Budgets budgets = new Budgets(HostResources.current(), 8192);
        VmBudget vmA = budgets.add("a", new Limits(1, LOTS, LOTS, LOTS, LOTS, LOTS, LOTS, 1), List.of(a.describe()));
        List<String> refusals = new CopyOnWriteArrayList<>();
        budgets.onConnectionRefused((vm, peer, why) -> refusals.add(vm.vm()));
        GatewayConfig config = new GatewayConfig(
                List.of(a), new FakeHandler.Factory(), 8192, 2, SessionSettings.DEFAULT_MAX_OUTSTANDING, 0, budgets);
        int cycles = 10;
        List<String> lines;
        try (LoggedLines logged = new LoggedLines(Gateway.class.getName());
                Gateway gateway = Gateway.start(config)) {
            SocketAddress address = gateway.boundAddresses().getFirst();
            for (int i = 0; i < cycles; i++) {
                try (P9Client admitted = P9Client.open(address, 8192);
                        SocketChannel refused = SocketChannel.open(address)) {
                    assertEquals(-1, refused.read(ByteBuffer.allocate(16)), "refused at once");
                    assertTrue(admitted.isOpen());
                }
                for (int w = 0; w < 3000 && vmA.connections().used() > 0; w++) {
                    Thread.sleep(10);
                }
            }
            for (int w = 0;
                    w < 3000 && logged.startingWith("refusing connections").isEmpty();
                    w++) {
                Thread.sleep(10);
            }
            lines = logged.startingWith("refusing connections");
        }
        assertEquals(cycles, refusals.size(), "each refusal is still reported (and audited)");
        assertEquals(1, lines.size(), cycles + " refusals, the first line: " + lines.getFirst());
    }
}
