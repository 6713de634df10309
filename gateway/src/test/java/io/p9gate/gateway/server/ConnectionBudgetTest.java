package io.p9gate.gateway.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.budget.Budgets;
import io.p9gate.gateway.budget.HostResources;
import io.p9gate.gateway.budget.Limits;
import io.p9gate.gateway.budget.OverBudget;
import io.p9gate.gateway.budget.VmBudget;
import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.session.FakeHandler;
import io.p9gate.gateway.session.SessionSettings;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
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
}
