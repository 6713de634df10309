package io.p9gate.gateway.policyadapter;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.p9gate.gateway.budget.Budgets;
import io.p9gate.gateway.budget.HostResources;
import io.p9gate.policy.PolicyEngine;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A reload sets every VM's new limits, then splits the process's descriptors between the VMs' pool and the handshake
 * places once. Before, it split them after each VM's: N times for N VMs, and in between from a mix of old and new
 * limits.
 */
class PolicyBudgetsReloadTest {
    private static final HostResources HOST = new HostResources(20_000, 60, 256L << 20, 256L << 20);
    private static final int MSIZE = 1024 * 1024 + 4096;

    @TempDir
    Path tmp;

    @Test
    void aReloadApportionsThePoolsOnceFromEveryVmsNewLimits() throws Exception {
        Budgets budgets = PolicyBudgets.of(policy("old", 3, 4), Map.of(), MSIZE, HOST);
        budgets.handshakePlaces(); // a tls: listener bound: its places are twice the VMs' connections
        assertEquals(2 * (3 + 4), budgets.handshakes().limit());
        List<String> apportioned = new ArrayList<>();
        budgets.afterApportioningForTests(() -> apportioned.add(
                budgets.vms().stream().map(vm -> vm.limits().connections()).toList() + " connections: "
                        + budgets.handshakes().limit() + " handshake places"));

        PolicyBudgets.update(budgets, policy("new", 5, 6), MSIZE);

        assertEquals(
                List.of("[5, 6] connections: 22 handshake places"), apportioned, "each apportioning of the reload");
    }

    private PolicyEngine policy(String name, int connectionsOfA, int connectionsOfB) throws Exception {
        Path share = Files.createDirectories(tmp.resolve("share"));
        String vm = "  %s:\n    listen: unix:%s/%s.sock\n    limits: {connections: %d}\n"
                + "    shares: {s: {path: %s, access: read-only}}\n";
        Path file = tmp.resolve(name + ".yaml");
        Files.writeString(
                file,
                "image: test\nvms:\n" + vm.formatted("a", tmp, "a", connectionsOfA, share)
                        + vm.formatted("b", tmp, "b", connectionsOfB, share));
        return PolicyEngine.load(file);
    }
}
