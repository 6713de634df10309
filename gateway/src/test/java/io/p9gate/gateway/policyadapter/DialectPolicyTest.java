package io.p9gate.gateway.policyadapter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.p9gate.gateway.budget.VmBudget;
import io.p9gate.gateway.fs.Operation;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.session.ConnectionContext;
import io.p9gate.gateway.session.DialectRefusedException;
import io.p9gate.gateway.session.IdentityInForce;
import io.p9gate.gateway.wiring.ShareServerFactory;
import io.p9gate.policy.dialect.Dialect;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** R-PROTO-7, R-AUD-1: a VM's {@code dialects:} decide which sessions open, and a refusal is recorded. */
class DialectPolicyTest {
    @TempDir
    Path tmp;

    private static ConnectionContext session(String listener, long id, Dialect dialect) {
        return new ConnectionContext(
                listener, "peer-1", id, 8192, 0, "", VmBudget.unlimited("t"), dialect, IdentityInForce.LISTENER_IS_VM);
    }

    @Test
    void aDialectTheVmDoesNotListIsRefusedAndRecorded() throws Exception {
        PolicyFixture fx = new PolicyFixture(tmp);
        try (ShareServerFactory shares = fx.shares(fx.holder())) {
            assertThrows(
                    DialectRefusedException.class, () -> shares.open(session(fx.betaListener(), 7, Dialect.LEGACY)));
            var refusals = fx.audit.records.stream()
                    .filter(r -> !r.decision().allowed())
                    .toList();
            assertEquals(1, refusals.size());
            var refusal = refusals.getFirst();
            assertEquals("beta", refusal.request().vm());
            assertEquals(7, refusal.request().sessionId());
            assertEquals(Operation.ATTACH, refusal.request().operation());
            assertEquals(List.of("policy.dialects"), refusal.decision().ruleIds());
            assertEquals(Errno.EPROTONOSUPPORT, refusal.decision().errno());
            assertEquals(
                    "dialect 9P2000 refused: peer=peer-1", refusal.request().detail());
        }
    }

    @Test
    void listedDialectsAndVmsWithoutAListOpen() throws Exception {
        PolicyFixture fx = new PolicyFixture(tmp);
        try (ShareServerFactory shares = fx.shares(fx.holder())) {
            shares.open(session(fx.betaListener(), 1, Dialect.U)).close();
            shares.open(session(fx.betaListener(), 2, Dialect.L)).close();
            for (Dialect d : Dialect.values()) {
                shares.open(session(fx.alphaListener(), 3, d)).close();
            }
            assertFalse(fx.audit.records.stream().anyMatch(r -> !r.decision().allowed()));
        }
    }
}
