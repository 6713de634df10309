package io.p9gate.gateway.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.auditing.SignedAuditTrail;
import io.p9gate.gateway.auditing.SignedLogs;
import io.p9gate.gateway.budget.Limits;
import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.policyadapter.PolicyFixture;
import io.p9gate.gateway.proto.Frame;
import io.p9gate.gateway.proto.TMessage;
import io.p9gate.gateway.testing.ClosedByGateway;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Resource bounds round 12 (slow-loris, no defect found): a VM that holds its connections at the start of a session,
 * half of them each a Tversion sent a byte a second and the others negotiated and never attached, holds its own
 * {@code connections} budget and nothing of another VM's. The gateway does not time such connections out (a guest's
 * mount may idle for ever): past its budget alpha's next connection is closed at accept, beta connects and is served
 * meanwhile, and once alpha's connections go its budgets hold nothing.
 */
class StalledSessionStartAttackTest {
    private static final long LOTS = 1 << 20;
    private static final int CONNECTIONS = 4;
    private static final Duration PATIENCE = Duration.ofSeconds(30);

    @TempDir
    Path tmp;

    @Test
    void connectionsStalledBeforeTheirSessionHoldOnlyTheirVmsConnections() throws Exception {
        PolicyFixture fx = new PolicyFixture(tmp);
        SignedLogs logs = SignedLogs.in(tmp);
        SignedAuditTrail trail = logs.open();
        Limits limits = new Limits(CONNECTIONS, LOTS, LOTS, LOTS, LOTS, LOTS, LOTS, 1);
        List<SocketChannel> stalled = new ArrayList<>();
        try (BudgetedAlphaGateway gateway = BudgetedAlphaGateway.start(fx, trail, limits, 8192)) {
            try {
                ByteBuffer version =
                        UnreadConnection.encoded(Frame.NOTAG, new TMessage.Tversion(8192, P9Client.VERSION));
                for (int c = 0; c < CONNECTIONS; c++) {
                    SocketChannel raw = SocketChannel.open(UnixDomainSocketAddress.of(fx.alphaSocket));
                    stalled.add(raw);
                    if (c % 2 == 0) {
                        UnreadConnection.sendAndRead(raw, Frame.NOTAG, new TMessage.Tversion(8192, P9Client.VERSION));
                    }
                }
                for (int second = 0; second < 3; second++) { // a byte a second of the others' Tversion
                    for (int c = 1; c < CONNECTIONS; c += 2) {
                        stalled.get(c).write(version.slice(second, 1));
                    }
                    Thread.sleep(1000);
                }
                assertEquals(CONNECTIONS, gateway.alpha.connections().used(), "alpha's stalled connections");
                SocketChannel past = SocketChannel.open(StandardProtocolFamily.UNIX);
                stalled.add(past);
                past.connect(UnixDomainSocketAddress.of(fx.alphaSocket));
                past.configureBlocking(false);
                assertEquals(
                        1, ClosedByGateway.within(List.of(past), 1, PATIENCE), "alpha's connection past its budget");
                for (int i = 0; i < 3; i++) {
                    BudgetedAlphaGateway.betaReads(fx); // connects, attaches, reads: each time anew
                }
                assertTrue(
                        gateway.bytesInHand() <= (CONNECTIONS + 1) * 8192L,
                        "what the stalled connections hold: " + gateway.bytesInHand());
            } finally {
                for (SocketChannel raw : stalled) {
                    raw.close();
                }
            }
            gateway.assertAlphaHoldsNothing();
        }
        BudgetedAlphaGateway.assertSessionsClosedAndLogVerifies(trail, logs);
    }
}
