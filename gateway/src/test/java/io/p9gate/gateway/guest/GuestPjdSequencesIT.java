package io.p9gate.gateway.guest;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.p9gate.gateway.policyadapter.OwnershipMode;
import io.p9gate.gateway.policyadapter.PolicyFixture;
import io.p9gate.gateway.policyadapter.PolicyListeners;
import io.p9gate.gateway.server.Gateway;
import io.p9gate.gateway.server.GatewayConfig;
import io.p9gate.gateway.wiring.ShareServerFactory;
import io.p9gate.policy.PolicyHolder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pjdfstest sequences that found bugs (issue 15), as our own guest script pjd-sequences.sh, so that
 * {@code ./run-tests} catches a regression without pjdfstest itself (bench/pjdfstest.sh runs the suite by
 * hand). Served without a policy (special files mapped, as {@code devices: mapped} does) and under a policy whose
 * uid/gid ranges map the suite's ids with ownership kept in xattrs (special files real); in both, no host file is
 * left with a set-id bit a guest set.
 */
class GuestPjdSequencesIT {
    private static final int CHECKS = 17;

    @TempDir
    Path tmp;

    @Test
    void withoutAPolicy() throws Exception {
        GuestHarness harness = GuestHarness.locate();
        Path share = PosixScript.traversableDir(tmp.resolve("share"));
        try (Gateway gateway = PosixScript.gatewayFor(share, GuestPosixIT.MAPPED_DEVICES)) {
            assertAllPass(harness.run(
                    "p9gate-pjd-sequences",
                    gateway,
                    sequences().withAname("test").withEnv("SPECIAL_FILES", "mapped")));
        }
        assertNoSetIdBitsOnTheHost(share);
    }

    @Test
    void underIdRangesWithOwnershipInXattrs() throws Exception {
        GuestHarness harness = GuestHarness.locate();
        PolicyFixture fx = new PolicyFixture(tmp, "100000");
        PolicyHolder holder = fx.holder();
        try (ShareServerFactory shares = fx.shares(holder, OwnershipMode.XATTR);
                Gateway _ = Gateway.start(new GatewayConfig(
                        PolicyListeners.of(holder.current()), shares, GatewayConfig.DEFAULT_MSIZE, 8))) {
            assertAllPass(harness.run(
                    "p9gate-pjd-sequences-xattr", fx.alphaSocket, sequences().withAname("data")));
        }
        assertNoSetIdBitsOnTheHost(fx.data);
    }

    private static GuestRun sequences() throws IOException, InterruptedException {
        Path helper = PosixScript.compileHelper();
        return GuestRun.script(RepoPaths.guestScripts().resolve("pjd-sequences.sh"))
                .withMountOpts("cache=none")
                .withBin(helper)
                .withEnv("POSIX_HELPER", helper.toString());
    }

    private static void assertAllPass(GuestResult result) {
        assertEquals(List.of(), result.failed(), result::describe);
        assertEquals(CHECKS, result.checks().size(), result::describe);
        assertEquals(0, result.exitCode(), result::describe);
    }

    /** Set-uid never, set-gid only on directories (where it means "inherit the group", not "run as"). */
    private static void assertNoSetIdBitsOnTheHost(Path share) throws IOException {
        try (Stream<Path> files = Files.walk(share)) {
            List<String> carrying = files.filter(p -> {
                        int mode = mode(p);
                        int forbidden = Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS) ? 04000 : 06000;
                        return (mode & forbidden) != 0;
                    })
                    .map(p -> share.relativize(p) + " " + Integer.toOctalString(mode(p)))
                    .toList();
            assertEquals(List.of(), carrying, "host files with a guest's set-id bits");
        }
    }

    private static int mode(Path path) {
        try {
            return (int) Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 07777;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
