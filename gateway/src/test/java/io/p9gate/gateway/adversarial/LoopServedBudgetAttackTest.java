package io.p9gate.gateway.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.budget.Budgets;
import io.p9gate.gateway.budget.HostResources;
import io.p9gate.gateway.budget.Limits;
import io.p9gate.gateway.budget.VmBudget;
import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.fs.AuditTrail;
import io.p9gate.gateway.fs.Operation;
import io.p9gate.gateway.policyadapter.OwnershipMode;
import io.p9gate.gateway.policyadapter.PolicyFixture;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.server.Gateway;
import io.p9gate.gateway.server.GatewayConfig;
import io.p9gate.gateway.wiring.ShareServerFactory;
import io.p9gate.gateway.wiring.ThisProcess;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A lone read-only Tlopen, Tread or Twrite is served on the VM's own event loop, not by a worker
 * (Session.servedOnLoop, issue 11). Alpha opens one file read-only again and again, one request at a time, so each
 * open takes that path: every descriptor it opens there is still charged to alpha's budget (VmBudget.CURRENT is
 * bound on the loop as on a worker), so alpha is refused EMFILE at its limit and never holds more, while beta
 * opens and reads. Each of alpha's opens and reads ran on alpha's own loop, never on beta's, a shared loop or the
 * accept thread; beta's on its own.
 */
class LoopServedBudgetAttackTest {
    private static final long LOTS = 1 << 20;
    private static final long DESCRIPTORS = 12;

    @TempDir
    Path tmp;

    /** What was recorded, by which VM, on which thread. */
    private record Seen(String vm, Operation op, String thread) {}

    @Test
    void readOnlyOpensOnTheLoopAreChargedToTheVmAndRunOnItsOwnLoop() throws Exception {
        PolicyFixture fx = new PolicyFixture(tmp);
        var holder = fx.holder();
        List<Seen> seen = new CopyOnWriteArrayList<>();
        AuditTrail watching = entry -> {
            seen.add(new Seen(
                    entry.request().vm(),
                    entry.request().operation(),
                    Thread.currentThread().getName()));
            return fx.audit.record(entry);
        };
        Budgets budgets = new Budgets(HostResources.current(), GatewayConfig.DEFAULT_MSIZE);
        VmBudget alphaBudget = budgets.add(
                "alpha", new Limits(LOTS, LOTS, LOTS, DESCRIPTORS, LOTS, LOTS, LOTS, 1), List.of(fx.alphaListener()));
        budgets.add("beta", new Limits(LOTS, LOTS, LOTS, LOTS, LOTS, LOTS, LOTS, 1), List.of(fx.betaListener()));
        try (ShareServerFactory shares = fx.shares(holder, OwnershipMode.automatic(ThisProcess.INSTANCE), watching);
                Gateway _ = PolicyFixture.serve(holder, shares, budgets);
                P9Client alpha = P9Client.open(UnixDomainSocketAddress.of(fx.alphaSocket), 8192);
                P9Client beta = P9Client.open(UnixDomainSocketAddress.of(fx.betaSocket), 8192)) {
            alpha.attach(0, "alpha", "data", 0);
            alpha.walk(0, 1, "notes.txt");
            beta.attach(0, "beta", "other", 0);
            int opened = 0;
            P9Exception refused = null;
            for (int fid = 2; fid < 2 + 2 * DESCRIPTORS && refused == null; fid++) {
                alpha.walk(1, fid); // a clone: no descriptor of its own
                try {
                    alpha.lopen(fid, 0);
                    assertEquals("hello", new String(alpha.read(fid, 0, 64)));
                    opened++;
                } catch (P9Exception e) {
                    refused = e;
                }
                beta.walk(0, 1, "readme");
                beta.lopen(1, 0);
                assertEquals("beta's view", new String(beta.read(1, 0, 64)), "beta is served throughout");
                beta.clunk(1);
            }
            assertTrue(refused != null, "alpha opened " + opened + " files under a budget of " + DESCRIPTORS);
            assertEquals(Errno.EMFILE, refused.errno(), "alpha's open past its budget");
            assertTrue(opened > 0, "alpha's first opens were served");
            assertEquals(DESCRIPTORS, alphaBudget.descriptors().used(), "alpha holds its budget, no more");
        }
        Map<String, List<String>> threads = Map.of(
                "alpha", threadsOf(seen, "alpha"),
                "beta", threadsOf(seen, "beta"));
        for (var vm : threads.entrySet()) {
            assertTrue(!vm.getValue().isEmpty(), vm.getKey() + " opened and read");
            for (String thread : vm.getValue()) {
                assertTrue(
                        thread.startsWith("p9gate-io-" + vm.getKey() + "-"),
                        vm.getKey() + "'s lone open or read ran on " + thread + ", not on its own loop");
            }
        }
    }

    private static List<String> threadsOf(List<Seen> seen, String vm) {
        return seen.stream()
                .filter(s -> s.vm().equals(vm) && (s.op() == Operation.OPEN || s.op() == Operation.READ))
                .map(Seen::thread)
                .toList();
    }
}
