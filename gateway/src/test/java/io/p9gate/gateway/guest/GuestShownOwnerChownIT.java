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
 * adversarial.ShownOwnerChownAttackTest through the real Linux client (6.1): in alpha, whose map {guest: 0, host:
 * 100000, count: 65536} does not cover host root, guest root's {@code chgrp 1000} and {@code chown 1000} of host
 * root's files, shown as 4294967294:4294967294, sent both fields (valid 0x46) with the shown overflow id in the one
 * left alone (busybox calls chown(2) so) and were refused EINVAL. They succeed now, leaving that field's host id as
 * it was; a chown(2) of -1 for the owner, which sends the group bit alone, succeeded before too; a chown or chgrp to
 * an unmapped id is still refused.
 */
class GuestShownOwnerChownIT {
    private static final int BASE = 100000;

    @TempDir
    Path tmp;

    @Test
    void guestRootChownsAndChgrpsHostRootsFiles() throws Exception {
        Root.assumeRoot("host files of root's");
        GuestHarness harness = GuestHarness.locate();
        PolicyFixture fx = new PolicyFixture(tmp, "100000");
        for (String name : List.of("hostroot-g", "hostroot-u", "hostroot-s", "hostroot-x")) {
            Files.writeString(fx.data.resolve(name), "host root's");
        }
        Path helper = HostBuild.guestBinary("hostile-helper");
        PolicyHolder holder = fx.holder();
        try (ShareServerFactory shares = fx.shares(holder, OwnershipMode.CHOWN);
                Gateway _ = Gateway.start(new GatewayConfig(
                        PolicyListeners.of(holder.current()), shares, GatewayConfig.DEFAULT_MSIZE, 8))) {
            GuestResult result = harness.run(
                    "p9gate-shown-owner-chown",
                    fx.alphaSocket,
                    GuestRun.script(RepoPaths.composed(tmp.resolve("script"), "tap.sh", "shown-owner-chown.sh"))
                            .withBin(helper)
                            .withEnv("HOSTILE_HELPER", helper.toString()));
            assertEquals(List.of(), result.failed(), result::describe);
            assertEquals(4, result.checks().size(), result::describe);
            assertEquals(0, result.exitCode(), result::describe);
        }
        assertEquals(List.of(0, BASE + 1000), hostIds(fx.data.resolve("hostroot-g")));
        assertEquals(List.of(BASE + 1000, 0), hostIds(fx.data.resolve("hostroot-u")));
        assertEquals(List.of(0, BASE + 1000), hostIds(fx.data.resolve("hostroot-s")));
        assertEquals(List.of(0, 0), hostIds(fx.data.resolve("hostroot-x")));
        List<String> setattrs = fx.audit.requests().stream()
                .filter(r -> r.operation().name().equals("SETATTR"))
                .map(r -> r.detail())
                .toList();
        System.out.println("setattr details: " + setattrs);
        assertTrue(setattrs.stream().noneMatch(d -> d.contains("4294967294")), setattrs.toString());
    }

    private static List<Integer> hostIds(Path file) throws Exception {
        return List.of((Integer) Files.getAttribute(file, "unix:uid"), (Integer) Files.getAttribute(file, "unix:gid"));
    }
}
