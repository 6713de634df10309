package io.p9gate.gateway.guest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.server.Gateway;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 15, cause 3, through the real Linux client: a tree deeper than PATH_MAX bytes is made, used, renamed
 * and used again (deep.sh). The gateway never asks /proc for such a path; diod, which builds absolute paths,
 * cannot serve it.
 */
class GuestDeepPathIT {
    private static final int CHECKS = 8;

    @Test
    void aTreeDeeperThanPathMaxIsUsable(@TempDir Path temp) throws Exception {
        GuestHarness harness = GuestHarness.locate();
        Path share = PosixScript.traversableDir(temp.resolve("share"));
        try (Gateway gateway = PosixScript.gatewayFor(share)) {
            GuestResult result = harness.run(
                    "p9gate-deep",
                    gateway,
                    GuestRun.script(RepoPaths.guestScripts().resolve("deep.sh"))
                            .withAname("test")
                            .withMountOpts("cache=none"));

            assertEquals(List.of(), result.failed(), result::describe);
            assertEquals(CHECKS, result.checks().size(), result::describe);
            assertEquals(0, result.exitCode(), result::describe);
        }
        // On the host too the file is beyond PATH_MAX (find walks it one directory at a time), then removed.
        Process find = new ProcessBuilder("find", share.toString(), "-name", "kept").start();
        String found = new String(find.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertEquals(0, find.waitFor());
        assertTrue(found.length() > 4096, "host path of kept: " + found.length() + " bytes");
        assertEquals(
                0,
                new ProcessBuilder("rm", "-rf", share.resolve("renamed").toString())
                        .start()
                        .waitFor());
    }
}
