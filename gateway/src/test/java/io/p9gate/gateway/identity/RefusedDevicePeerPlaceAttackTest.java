package io.p9gate.gateway.identity;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.p9gate.gateway.budget.Allowance;
import io.p9gate.gateway.server.PeerIdentifier;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red team (R-ROB-2, R-DEP-1), the {@code tcp:…%DEVICE} twin of {@link RefusedPeerPlaceAttackTest}: on a listener
 * bound to a VM's interface, a connection took one of the VM's {@code connections} at accept and only on the VM's
 * event loop was it found to come from a process of this host (rule {@code identity.device}). With that loop busy, a
 * local process connecting in a loop held all the VM's places, so the VM's own connection was refused
 * (budget.connections). It is now decided on the accept thread, before it takes a place: a refused peer holds none.
 *
 * <p>Bound to {@code lo}, where every peer is this host: VM a's loop is held inside the record of the first refusal
 * made there (none is, once they are all made at accept), and 64 local connections are made under a budget of 4.
 */
class RefusedDevicePeerPlaceAttackTest {
    private static final int CONNECTIONS = 4;
    private static final int LOCAL = 64;
    private static final int PATIENCE_S = 10;

    @TempDir
    java.nio.file.Path tmp;

    @Test
    void aLocalProcessTakesNoneOfTheVmsPlacesWhileItsLoopIsBusy() throws Exception {
        int port = IdentityRig.freePort();
        CountDownLatch release = new CountDownLatch(1);
        try (IdentityRig rig = new IdentityRig(tmp).start("""
                a:
                  listen: tcp:127.0.0.1:%d%%lo
                  limits: {connections: %d}
                  shares: {a: {path: %%A, access: read-only}}
                """.formatted(port, CONNECTIONS), null)) {
            Allowance places = rig.budgets.vm("a").orElseThrow().connections();
            rig.beforeRecord = entry -> {
                if (Thread.currentThread().getName().startsWith("p9gate-io-a-")) {
                    RefusedPeerPlaceAttackTest.awaitQuietly(release); // a's loop is busy for as long as the test runs
                }
            };
            List<Socket> local = new ArrayList<>();
            try {
                for (int i = 0; i < LOCAL; i++) {
                    local.add(new Socket(InetAddress.getLoopbackAddress(), port));
                }
                int closed = closedWithin(local, PATIENCE_S);
                long deviceRefusals = rig.refusals().stream()
                        .filter(r -> r.decision().ruleIds().equals(List.of(PeerIdentifier.RULE_DEVICE)))
                        .count();
                String seen = "closed %d of %d local connections; a's places used %d of %d; device refusals %d"
                        .formatted(closed, LOCAL, places.used(), CONNECTIONS, deviceRefusals);
                assertEquals(LOCAL, closed, "every local connection is closed at once: " + seen);
                assertEquals(0, places.used(), "the refused peers hold none of a's places: " + seen);
                assertEquals(LOCAL, deviceRefusals, "each recorded as the device's refusal: " + seen);
            } finally {
                release.countDown();
                for (Socket s : local) {
                    s.close();
                }
            }
        }
    }

    /** How many of {@code sockets} the other end closed (or reset) within {@code seconds}. */
    private static int closedWithin(List<Socket> sockets, int seconds) throws IOException {
        List<Socket> open = new ArrayList<>(sockets);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!open.isEmpty() && System.nanoTime() < deadline) {
            for (Socket s : List.copyOf(open)) {
                s.setSoTimeout(20);
                try {
                    InputStream in = s.getInputStream();
                    if (in.read() < 0) {
                        open.remove(s);
                    }
                } catch (SocketTimeoutException stillOpen) {
                    // not yet
                } catch (IOException reset) {
                    open.remove(s);
                }
            }
        }
        return sockets.size() - open.size();
    }
}
