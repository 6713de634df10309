package io.p9gate.gateway.identity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.p9gate.gateway.auditing.SignedAuditTrail;
import io.p9gate.gateway.auditing.SignedLogs;
import io.p9gate.gateway.budget.Allowance;
import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.fs.AuditEntry;
import io.p9gate.gateway.fs.Operation;
import io.p9gate.gateway.policyadapter.PolicyPeers;
import io.p9gate.gateway.server.PeerIdentifier;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.UnixDomainSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red team (R-ROB-2, R-DEP-1): on a {@code unix:} listener one VM owns, a connection took one of the VM's
 * {@code connections} at accept and only on the VM's event loop was its peer checked against the VM's {@code peer:}.
 * With that loop busy (the VM's own requests), any local process the socket's mode lets connect but {@code peer:}
 * refuses held all the VM's places by connecting in a loop, so the VM's own hypervisor, reconnecting, was refused
 * (budget.connections) for as long as the flood went on. A connection is now decided by its credentials on the accept
 * thread, before it takes a place: a refused peer holds none.
 *
 * <p>VM a's loop is held inside the audit record of a lone read-only Tlopen; a process of another gid (setpriv, so
 * root) connects 64 times under a budget of 4; then a's hypervisor (this process) connects again.
 */
class RefusedPeerPlaceAttackTest {
    private static final int CONNECTIONS = 4;
    private static final int FOREIGN = 64;
    private static final int PATIENCE_S = 30;
    private static final long MY_GID = attr("unix:gid");

    /** Connects N times to a socket and says how many of them the other end closed within a deadline. */
    private static final String CONNECTOR = """
            import select, socket, sys, time
            path, n, wait = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
            open_ = []
            for _ in range(n):
                s = socket.socket(socket.AF_UNIX)
                s.connect(path)
                open_.append(s)
            closed, deadline = 0, time.time() + wait
            while open_ and time.time() < deadline:
                ready, _, _ = select.select(open_, [], [], 0.1)
                for s in ready:
                    try:
                        ended = not s.recv(64)
                    except OSError:
                        ended = True
                    if ended:
                        open_.remove(s)
                        closed += 1
            print(closed, flush=True)
            """;

    /** Connects and closes at once, as fast as it can, for a number of seconds; says how many times it did. */
    private static final String FLOODER = """
            import socket, sys, time
            path, until, n = sys.argv[1], time.time() + float(sys.argv[2]), 0
            while time.time() < until:
                s = socket.socket(socket.AF_UNIX)
                s.connect(path)
                s.close()
                n += 1
            print(n, flush=True)
            """;

    private static final int ROUNDS = 300;

    @TempDir
    Path tmp;

    /**
     * Refusals of a.sock's peer are now recorded on the accept thread every listener shares: does a flood of them
     * delay VM b's new connections on its own listener? b's time to its first reply (connect, Tversion, Tattach), idle
     * and while a process of another gid connects to a.sock in a loop, every refusal through the signed log's
     * summaries as in serve. Times printed (no bound: a loaded machine), counts asserted.
     */
    @Test
    void bsNewConnectionsAreServedWhileAsSocketRefusesAFlood() throws Exception {
        assumeTrue(attr("unix:uid") == 0, "connecting as another gid needs root (setpriv)");
        Path aSock = tmp.resolve("a.sock");
        Path bSock = tmp.resolve("b.sock");
        SignedLogs logs = SignedLogs.in(tmp);
        SignedAuditTrail trail = logs.open();
        IdentityRig rig = new IdentityRig(tmp);
        rig.identifiers = ignored -> new PolicyPeers(rig.holder::current, trail);
        try (IdentityRig _ = rig.start("""
                a:
                  listen: unix:%s
                  peer: {gid: %d}
                  shares: {a: {path: %%A, access: read-only}}
                b:
                  listen: unix:%s
                  shares: {b: {path: %%B, access: read-only}}
                """.formatted(aSock, MY_GID, bSock), null)) {
            firstReplies(bSock, ROUNDS); // warm-up
            long[] idle = firstReplies(bSock, ROUNDS);
            Process flood = setpriv(FLOODER, aSock.toString(), "8");
            long[] flooded = firstReplies(bSock, ROUNDS);
            int connects = Integer.parseInt(firstLine(flood));
            System.out.printf(
                    "b's time to first reply, median/p99 us: idle %s, during %d refused connects to a.sock %s%n",
                    show(idle), connects, show(flooded));
            assertTrue(connects > 1000, "the flood ran: " + connects);
        } finally {
            trail.close();
        }
        long counted = logs.records().stream()
                .filter(r -> r.rules() != null && r.rules().contains(PeerIdentifier.RULE_PEER))
                .mapToLong(r -> r.count() == null ? 1 : r.count())
                .sum();
        System.out.println("refusals counted in the signed log: " + counted);
        assertTrue(counted > 1000, "every refusal is counted in the log: " + counted);
    }

    /** How long each of {@code n} new connections to {@code socket} took to its Rattach, in ns. */
    private static long[] firstReplies(Path socket, int n) throws Exception {
        long[] each = new long[n];
        for (int i = 0; i < n; i++) {
            long start = System.nanoTime();
            try (P9Client c = P9Client.open(UnixDomainSocketAddress.of(socket), 8192)) {
                c.attach(0, "root", "b", 0);
                each[i] = System.nanoTime() - start;
            }
        }
        return each;
    }

    private static String show(long[] ns) {
        long[] sorted = ns.clone();
        java.util.Arrays.sort(sorted);
        return sorted[sorted.length / 2] / 1000 + "/" + sorted[(int) (sorted.length * 0.99)] / 1000;
    }

    @Test
    void aPeerThePolicyRefusesTakesNoneOfTheVmsPlacesWhileItsLoopIsBusy() throws Exception {
        assumeTrue(attr("unix:uid") == 0, "connecting as another gid needs root (setpriv)");
        Path aSock = tmp.resolve("a.sock");
        try (IdentityRig rig = new IdentityRig(tmp).start("""
                a:
                  listen: unix:%s
                  peer: {gid: %d}
                  limits: {connections: %d}
                  shares: {a: {path: %%A, access: read-only}}
                """.formatted(aSock, MY_GID, CONNECTIONS), null);
                P9Client a = P9Client.open(UnixDomainSocketAddress.of(aSock), 8192)) {
            Allowance places = rig.budgets.vm("a").orElseThrow().connections();
            CountDownLatch inside = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            rig.beforeRecord = entry -> {
                if (entry.request().operation() == Operation.OPEN
                        && Thread.currentThread().getName().startsWith("p9gate-io-a-")
                        && inside.getCount() > 0) {
                    inside.countDown();
                    awaitQuietly(release);
                }
            };
            a.attach(0, "root", "a", 0);
            a.walk(0, 1, "a.txt");
            CompletableFuture<Void> held = CompletableFuture.runAsync(() -> {
                try {
                    a.lopen(1, 0);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            CompletableFuture<P9Client> again = null;
            try {
                assertTrue(inside.await(PATIENCE_S, TimeUnit.SECONDS), "a's loop is held");
                int closed = foreignConnects(aSock);
                String seen = "closed %d of %d foreign connections; a's places used %d of %d; refusals %s"
                        .formatted(closed, FOREIGN, places.used(), CONNECTIONS, rules(rig));
                assertEquals(FOREIGN, closed, "every connection peer: refuses is closed at once: " + seen);
                assertEquals(1, places.used(), "the refused peers hold none of a's places: " + seen);
                assertEquals(
                        FOREIGN,
                        rig.refusals().stream()
                                .filter(r -> r.decision().ruleIds().equals(java.util.List.of(PeerIdentifier.RULE_PEER)))
                                .count(),
                        "each recorded as the peer's refusal: " + seen);
                // a's hypervisor reconnects: it takes a place and waits for the loop, as a's own connections do.
                again = CompletableFuture.supplyAsync(() -> {
                    try {
                        return P9Client.open(UnixDomainSocketAddress.of(aSock), 8192);
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                });
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(PATIENCE_S);
                while (places.used() < 2 && !again.isDone() && System.nanoTime() < deadline) {
                    Thread.sleep(10);
                }
                assertEquals(2, places.used(), "a's own new connection took a place");
            } finally {
                release.countDown();
            }
            held.get(PATIENCE_S, TimeUnit.SECONDS);
            try (P9Client second = again.get(PATIENCE_S, TimeUnit.SECONDS)) {
                second.attach(0, "root", "a", 0);
                second.walk(0, 1, "a.txt");
                second.lopen(1, 0);
                assertEquals("VM a's view", new String(second.read(1, 0, 64), StandardCharsets.UTF_8));
            }
        }
    }

    /** Connects {@link #FOREIGN} times as another gid; how many of them the gateway closed within 10 s. */
    private static int foreignConnects(Path socket) throws Exception {
        return Integer.parseInt(firstLine(setpriv(CONNECTOR, socket.toString(), Integer.toString(FOREIGN), "10")));
    }

    /** Runs a Python {@code script} with {@code args} as this uid and another gid. */
    private static Process setpriv(String script, String... args) throws java.io.IOException {
        java.util.List<String> command = new java.util.ArrayList<>(
                java.util.List.of("setpriv", "--regid=" + (MY_GID + 4321), "--clear-groups", "python3", "-c", script));
        command.addAll(java.util.List.of(args));
        return new ProcessBuilder(command)
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
    }

    /** The first line {@code p} prints, once it has ended well. */
    private static String firstLine(Process p) throws Exception {
        try (BufferedReader out =
                new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line = out.readLine();
            assertTrue(p.waitFor(PATIENCE_S, TimeUnit.SECONDS), "the script ended");
            assertEquals(0, p.exitValue(), "the script's exit");
            return line.strip();
        } finally {
            p.destroyForcibly();
        }
    }

    private static String rules(IdentityRig rig) {
        return rig.refusals().stream()
                .map(AuditEntry::decision)
                .map(d -> String.join(",", d.ruleIds()))
                .collect(java.util.stream.Collectors.groupingBy(r -> r, java.util.stream.Collectors.counting()))
                .toString();
    }

    private static long attr(String name) {
        try {
            return ((Number) Files.getAttribute(Path.of("/proc/self"), name)).longValue();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(PATIENCE_S, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
