package io.p9gate.gateway.identity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.certs.TestPki;
import io.p9gate.gateway.client.P9Client;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Attack (R-ROB-2): VMs whose TLS connections come from one source address (their sidecars on the host, VMs NATed
 * through the host's bridge). Before its handshake ends a connection is only its address, so on one listener such
 * VMs share the cap on connections awaiting their handshake and the penalty of an address whose handshakes keep
 * failing: one of them can hold the others' new connections back, and nothing can tell them apart then. The remedy
 * is one {@code tls:} listener per VM (or an address per VM); but the cap and the penalty counted per address over
 * every listener of the gateway, so VM a holding its listener's handshakes, or failing handshakes on it, also had VM
 * b refused on its own listener. Both now count per listener and address.
 */
class SharedSourceAddressAttackTest {
    private static final int MSIZE = 65536;
    /** VM a's and b's connection limit: the most one address may hold awaiting their handshake on a listener. */
    private static final int CONNECTIONS = 8;

    @TempDir
    Path tmp;

    @Test
    void connectionsAwaitingTheirHandshakeOnOneListenerDoNotHoldBackAnotherListenersVm() throws Exception {
        Listeners l = Listeners.create(tmp);
        List<Socket> idle = new ArrayList<>();
        try (IdentityRig rig = new IdentityRig(tmp).start(l.vms(), l.shared().serverTls())) {
            try {
                // From VM b's address, a's listener: one more connection than may await their handshake, silent.
                for (int i = 0; i <= CONNECTIONS; i++) {
                    idle.add(connect(l.portA()));
                }
                assertEquals(
                        1, SharedTlsListener.closedByGateway(idle), "the cap of a's listener is full for this address");
                assertTrue(
                        rig.refusals().stream()
                                .anyMatch(r -> r.request().detail().contains("awaiting their TLS handshake")),
                        "the refusal is recorded");
                assertServed(l, "b", l.portB());
            } finally {
                for (Socket s : idle) {
                    s.close();
                }
            }
        }
    }

    @Test
    void handshakesFailingOnOneListenerDoNotHaveAnotherListenersVmRefused() throws Exception {
        Listeners l = Listeners.create(tmp);
        try (IdentityRig rig = new IdentityRig(tmp).start(l.vms(), l.shared().serverTls())) {
            // From VM b's address, a's listener: 8 handshakes that fail at once (not TLS), begun before any of them
            // failed, so that the address gets a penalty of 16 s there (3 free, then 1 s doubling).
            List<Socket> failing = new ArrayList<>();
            for (int i = 0; i < CONNECTIONS; i++) {
                failing.add(connect(l.portA()));
            }
            for (Socket s : failing) {
                OutputStream out = s.getOutputStream();
                out.write("GET / HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
            }
            assertEquals(CONNECTIONS, SharedTlsListener.closedByGateway(failing), "not TLS: closed");
            for (Socket s : failing) {
                s.close();
            }
            // The penalty is in force on a's listener: a connection there is refused at accept (recorded so).
            long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
            while (!penalised(rig) && System.nanoTime() < deadline) {
                try (Socket probe = connect(l.portA())) {
                    SharedTlsListener.closedByGateway(List.of(probe));
                }
            }
            assertTrue(penalised(rig), "the failing address is refused on a's listener");
            assertThrows(
                    IOException.class,
                    () -> l.shared().connect("a", MSIZE, l.portA()).close(),
                    "VM a there shares it");
            assertServed(l, "b", l.portB());
        }
    }

    private static boolean penalised(IdentityRig rig) {
        return rig.refusals().stream().anyMatch(r -> r.request().detail().contains("keep failing"));
    }

    /** VMs a and b, each on a tls: listener of its own, both from 127.0.0.1. */
    private record Listeners(SharedTlsListener shared, int portA, int portB) {
        static Listeners create(Path tmp) throws Exception {
            SharedTlsListener one = SharedTlsListener.create(tmp);
            try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                int other = probe.getLocalPort();
                if (other == one.port()) {
                    throw new IllegalStateException("the same free port twice");
                }
                return new Listeners(one, one.port(), other);
            }
        }

        String vms() {
            String ca = shared.pki().dir().resolve(TestPki.CA_CERT).toString();
            return """
                    a:
                      listen: tls:127.0.0.1:%1$d
                      client-cert: {ca: %3$s, subject: "CN=a"}
                      shares: {a: {path: %%A, access: read-only}}
                      limits: {connections: %4$d}
                    b:
                      listen: tls:127.0.0.1:%2$d
                      client-cert: {ca: %3$s, subject: "CN=b"}
                      shares: {b: {path: %%B, access: read-only}}
                      limits: {connections: %4$d}
                    """.formatted(portA, portB, ca, CONNECTIONS);
        }
    }

    private static void assertServed(Listeners l, String vm, int port) throws Exception {
        try (P9Client client = l.shared().connect(vm, MSIZE, port)) {
            client.version(MSIZE, "9P2000.L");
            client.attach(0, "root", vm, 0);
            client.walk(0, 1, vm + ".txt");
            client.lopen(1, 0);
            assertEquals(
                    "VM " + vm + "'s view", new String(client.read(1, 0, 100), StandardCharsets.UTF_8), vm + " served");
        }
    }

    /** A plain TCP connection from 127.0.0.1, the address VM b's client uses. */
    private static Socket connect(int port) throws IOException {
        Socket s = new Socket();
        s.bind(new InetSocketAddress("127.0.0.1", 0));
        s.connect(new InetSocketAddress("127.0.0.1", port));
        return s;
    }
}
