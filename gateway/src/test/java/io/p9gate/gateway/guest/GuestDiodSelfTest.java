package io.p9gate.gateway.guest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The guest harness against diod, a known 9P2000.L server: proves that the
 * harness boots, mounts, passes env, propagates the exit status and that the
 * TAP lines are parsed, and that posix.sh runs to the end.  Skips (saying why)
 * when the guest harness or diod is not available.
 */
class GuestDiodSelfTest {
    /**
     * posix.sh checks diod 1.0.24 fails: it implements Tlock with whole-file
     * flock(2) (non-overlapping byte ranges conflict) and answers Tgetattr by
     * path (fstat of an unlinked open file gives ENOENT).  p9gate must pass them.
     */
    static final Set<String> DIOD_KNOWN_GAPS = Set.of("fcntl byte-range locks", "open, unlink, fstat/pwrite");

    @Test
    void harnessMountsPassesEnvParsesChecksAndPropagatesExitStatus(@TempDir Path temp) throws Exception {
        GuestHarness harness = GuestHarness.locate();
        Path share = PosixScript.traversableDir(temp.resolve("share"));
        try (DiodServer diod = DiodServer.start(share, temp.resolve("diod.log"))) {
            GuestRun run = GuestRun.script(RepoPaths.guestScripts().resolve("harness-probe.sh"))
                    .withAname(diod.aname())
                    .withEnv("PROBE_VALUE", "forty two");
            GuestResult result = harness.run("diod-harness-probe", diod.address(), run);

            assertEquals(3, result.exitCode(), result::describe);
            assertEquals(
                    List.of(
                            new TapCheck(1, "mounted over 9p", TapCheck.Status.PASSED, ""),
                            new TapCheck(2, "file round trip", TapCheck.Status.PASSED, ""),
                            new TapCheck(
                                    3, "deliberate failure", TapCheck.Status.FAILED, "expected by GuestDiodSelfTest"),
                            new TapCheck(4, "env passed", TapCheck.Status.PASSED, ""),
                            new TapCheck(5, "skip directive", TapCheck.Status.SKIPPED, "on purpose")),
                    result.checks(),
                    result::describe);
        }
    }

    @Test
    void posixScriptRunsToTheEndAndDiodPassesAllButItsKnownGaps(@TempDir Path temp) throws Exception {
        GuestHarness harness = GuestHarness.locate();
        Path share = PosixScript.newShare(temp);
        try (DiodServer diod = DiodServer.start(share, temp.resolve("diod.log"))) {
            GuestResult result =
                    harness.run("diod-posix", diod.address(), PosixScript.run().withAname(diod.aname()));

            assertEquals(PosixScript.CHECK_COUNT, result.checks().size(), result::describe);
            assertEquals(List.of(), result.skipped(), result::describe);
            List<String> unexpected = result.failed().stream()
                    .map(TapCheck::name)
                    .filter(name -> !DIOD_KNOWN_GAPS.contains(name))
                    .toList();
            assertEquals(List.of(), unexpected, result::describe);
            assertTrue(result.exitCode() != 0 || result.failed().isEmpty(), result::describe);
        }
    }
}
