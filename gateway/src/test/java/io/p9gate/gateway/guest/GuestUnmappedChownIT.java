package io.p9gate.gateway.guest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.policyadapter.OwnershipMode;
import io.p9gate.gateway.policyadapter.PolicyFixture;
import io.p9gate.gateway.policyadapter.PolicyListeners;
import io.p9gate.gateway.server.Gateway;
import io.p9gate.gateway.server.GatewayConfig;
import io.p9gate.gateway.testing.Root;
import io.p9gate.gateway.wiring.ShareServerFactory;
import io.p9gate.policy.PolicyHolder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * d13013b0 refuses a Tsetattr owner or group of (u32)-1 with its bit set, also for a VM without {@code ids}. A real
 * guest never sends it: for {@code chown :GID}, {@code chgrp}, {@code chown UID} and {@code chown UID:} the guest's
 * busybox calls chown(2) with the id it was shown for the field left alone (4294967294, the overflow id, on such a
 * share), so the Linux client (6.1) sets both bits (valid 0x46), which is allowed; a chown(2) with -1 sets one bit.
 * All succeed, and no Tsetattr names 4294967295.
 */
class GuestUnmappedChownIT {
    @TempDir
    Path tmp;

    @Test
    void chownAndChgrpWithoutAMapAreNotRefused() throws Exception {
        Root.assumeRoot("chown on the host");
        GuestHarness harness = GuestHarness.locate();
        PolicyFixture fx = new PolicyFixture(tmp, "100000");
        Files.writeString(
                fx.policyFile,
                Files.readString(fx.policyFile)
                        .lines()
                        .filter(l -> !l.contains("ids:") && !l.contains("{ranges:"))
                        .reduce("", (a, b) -> a + b + "\n"));
        PolicyHolder holder = fx.holder();
        try (ShareServerFactory shares = fx.shares(holder, OwnershipMode.CHOWN);
                Gateway _ = Gateway.start(new GatewayConfig(
                        PolicyListeners.of(holder.current()), shares, GatewayConfig.DEFAULT_MSIZE, 8))) {
            GuestResult result = harness.run(
                    "p9gate-unmapped-chown",
                    fx.alphaSocket,
                    GuestRun.script(RepoPaths.composed(tmp.resolve("script"), "tap.sh", "unmapped-chown.sh")));
            assertEquals(List.of(), result.failed(), result::describe);
            assertEquals(3, result.checks().size(), result::describe);
            assertEquals(0, result.exitCode(), result::describe);
        }
        List<String> setattrs = fx.audit.requests().stream()
                .filter(r -> r.operation().name().equals("SETATTR"))
                .map(r -> r.detail())
                .toList();
        System.out.println("setattr details: " + setattrs);
        assertTrue(setattrs.size() >= 5, setattrs.toString());
        assertTrue(setattrs.stream().noneMatch(d -> d.contains("4294967295")), setattrs.toString());
    }
}
