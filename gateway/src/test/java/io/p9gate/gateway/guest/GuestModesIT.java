package io.p9gate.gateway.guest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import io.p9gate.gateway.server.Gateway;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 15, causes 1 and 2, through the real Linux client: modes created under the guest's umask 0 are the
 * modes asked although this JVM (the gateway) runs under umask 022, and set-id bits the guest sets read back in
 * the guest while the host file never carries them.
 */
class GuestModesIT {
    private static final int CHECKS = 6;

    @Test
    void createModesAndSetIdBitsAreWhatTheGuestAsked(@TempDir Path temp) throws Exception {
        assertNotEquals(
                0,
                ownUmask() & 022,
                "run the guest tests under umask 022 (the default): this test shows "
                        + "that the gateway's umask does not apply");
        GuestHarness harness = GuestHarness.locate();
        Path share = PosixScript.traversableDir(temp.resolve("share"));
        Path helper = PosixScript.compileHelper();
        try (Gateway gateway = PosixScript.gatewayFor(share)) {
            GuestResult result = harness.run(
                    "p9gate-modes",
                    gateway,
                    GuestRun.script(RepoPaths.guestScripts().resolve("modes.sh"))
                            .withAname("test")
                            .withMountOpts("cache=none")
                            .withBin(helper)
                            .withEnv("POSIX_HELPER", helper.toString()));

            assertEquals(List.of(), result.failed(), result::describe);
            assertEquals(CHECKS, result.checks().size(), result::describe);
            assertEquals(0, result.exitCode(), result::describe);
        }
        assertEquals("620", hostMode(share.resolve("f620")));
        assertEquals("777", hostMode(share.resolve("d777")));
        assertEquals("666", hostMode(share.resolve("p666")));
        assertEquals("555", hostMode(share.resolve("setid")), "the host file never carries a guest's set-id bits");
        assertEquals("555", hostMode(share.resolve("chowned")));
        assertEquals("3775", hostMode(share.resolve("sdir")), "a host directory keeps set-gid and sticky only");
        // The gateway keeps Tsetattr's nanoseconds (FileServerTest.setattrModeOwnerSizeTimes); Linux 6.1's v9fs
        // leaves s_time_gran at its 1 s default, so the guest's VFS truncates them before sending Tsetattr.
        assertEquals(
                1_600_000_000_000_000_000L,
                Files.getLastModifiedTime(share.resolve("times")).to(java.util.concurrent.TimeUnit.NANOSECONDS),
                "the client sent utimensat's time without nsec");
    }

    private static String hostMode(Path path) throws Exception {
        return Integer.toOctalString((int) Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 07777);
    }

    private static int ownUmask() throws Exception {
        return Files.readAllLines(Path.of("/proc/self/status")).stream()
                .filter(l -> l.startsWith("Umask:"))
                .map(l -> Integer.parseInt(l.substring("Umask:".length()).strip(), 8))
                .findFirst()
                .orElseThrow();
    }
}
