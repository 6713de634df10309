package io.p9gate.gateway.adversarial;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.auditing.SignedAuditTrail;
import io.p9gate.gateway.auditing.SignedLogs;
import io.p9gate.gateway.budget.Limits;
import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.policyadapter.PolicyFixture;
import io.p9gate.gateway.proto.Attr;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * R-ROB-2 on a VM that floods pipelined requests on its connections and never reads a reply (its connections parked
 * for its reply budget, FrameHold): what the gateway holds for it per connection, and what another VM's requests
 * wait meanwhile (median of {@value #SAMPLES} Tgetattr of beta, quiet, during alpha's flood and with alpha parked).
 */
class UnreadFloodNeighbourLatencyTest {
    private static final int MSIZE = 65536;
    private static final long CONNECTIONS = 64;
    private static final long LOTS = 1 << 20;
    private static final int SAMPLES = 200;

    @TempDir
    Path tmp;

    @Test
    void anotherVmsRequestsDoNotWaitForAnUnreadFlood() throws Exception {
        PolicyFixture fx = new PolicyFixture(tmp);
        SignedLogs logs = SignedLogs.in(tmp);
        SignedAuditTrail trail = logs.open();
        Limits limits = new Limits(CONNECTIONS, 4, LOTS, LOTS, LOTS, LOTS, 64 * 1024, 1);
        ExecutorService flooder = Executors.newSingleThreadExecutor();
        try (BudgetedAlphaGateway gateway = BudgetedAlphaGateway.start(fx, trail, limits, MSIZE);
                P9Client beta = P9Client.open(UnixDomainSocketAddress.of(fx.betaSocket), 8192)) {
            beta.attach(0, "beta", "other", 0);
            beta.walk(0, 1, "readme");
            medianMicros(beta); // warm-up
            long quiet = medianMicros(beta);
            long before = ProcessMemory.heldHeapAndDirect();
            try (UnreadFlood flood = UnreadFlood.open(fx.alphaSocket, CONNECTIONS, MSIZE)) {
                Future<Integer> closed = flooder.submit(() -> flood.untilUnread(UnreadFlood::flushes, 3000));
                long during = medianMicros(beta);
                int cut = closed.get();
                long parked = medianMicros(beta);
                long held = ProcessMemory.heldHeapAndDirect() - before;
                System.out.printf(
                        "UnreadFloodNeighbourLatencyTest: beta's Tgetattr median %d us quiet, %d us during alpha's flood"
                                + " (x%.2f), %d us with alpha parked (x%.2f); alpha held %d KiB, %d KiB a connection (%d"
                                + " cut)%n",
                        quiet,
                        during,
                        (double) during / quiet,
                        parked,
                        (double) parked / quiet,
                        held >> 10,
                        (held / CONNECTIONS) >> 10,
                        cut);
                assertTrue(parked <= 5 * quiet + 200, "beta waits for alpha's parked connections: " + parked);
            }
            gateway.assertAlphaHoldsNothing();
        } finally {
            flooder.shutdownNow();
            trail.close();
        }
    }

    private static long medianMicros(P9Client beta) throws Exception {
        long[] micros = new long[SAMPLES];
        for (int i = 0; i < SAMPLES; i++) {
            long t0 = System.nanoTime();
            beta.getattr(1, Attr.GETATTR_ALL);
            micros[i] = (System.nanoTime() - t0) / 1000;
        }
        Arrays.sort(micros);
        return micros[SAMPLES / 2];
    }
}
