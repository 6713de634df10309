package io.p9gate.gateway.guest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GuestRunTest {

    @Test
    void aShorterTimeoutIsTheLeastALoadedMachineNeeds() {
        assertEquals(
                GuestRun.LEAST_TIMEOUT,
                GuestRun.script(Path.of("/s/x.sh"))
                        .withTimeout(Duration.ofSeconds(90))
                        .timeout());
    }

    @Test
    void argumentsCarryEveryOptionForRunGuest() {
        GuestRun run = GuestRun.script(Path.of("/s/posix.sh"))
                .withAname("test")
                .withMountOpts("cache=loose")
                .withTimeout(Duration.ofSeconds(400))
                .withBin(Path.of("/usr/bin/flock"))
                .withEnv("READDIR_N", "10000");
        assertEquals(
                List.of(
                        "--server",
                        "127.0.0.1:5640",
                        "--script",
                        "/s/posix.sh",
                        "--msize",
                        "524288",
                        "--timeout",
                        "400",
                        "--aname",
                        "test",
                        "--mount-opts",
                        "cache=loose",
                        "--add-bin",
                        "/usr/bin/flock",
                        "--env",
                        "READDIR_N=10000"),
                run.arguments("127.0.0.1:5640"));
    }

    @Test
    void defaultsLeaveOutAnameAndMountOptions() {
        assertEquals(
                List.of("--server", "127.0.0.1:1", "--script", "x.sh", "--msize", "524288", "--timeout", "300"),
                GuestRun.script(Path.of("x.sh")).arguments("127.0.0.1:1"));
    }

    @Test
    void dialectBecomesTheHarnessOption() {
        assertEquals(
                List.of(
                        "--unix",
                        "/s.sock",
                        "--script",
                        "x.sh",
                        "--msize",
                        "524288",
                        "--timeout",
                        "300",
                        "--dialect",
                        "9p2000.u"),
                GuestRun.script(Path.of("x.sh")).withDialect("9p2000.u").arguments(List.of("--unix", "/s.sock")));
    }

    @Test
    void guestKernelNeedsModulesAndAKernelImage(@TempDir Path cache) throws Exception {
        assertFalse(GuestHarness.hasGuestKernel(cache));
        Files.createDirectories(cache.resolve("kernel/lib/modules/6.1.0-56-amd64"));
        assertFalse(GuestHarness.hasGuestKernel(cache), "modules without a kernel image");
        Files.createFile(cache.resolve("vmlinux-6.1.0-56-amd64"));
        assertTrue(GuestHarness.hasGuestKernel(cache));
    }

    @Test
    void onlyABootPanicBeforeAnyCheckIsRetried() {
        String panic = "run-guest: guest ended without an exit marker (qemu rc=0)\n"
                + "[    0.052000] Kernel panic - not syncing: IO-APIC + timer doesn't work!\n";
        assertTrue(new GuestResult(125, panic, List.of()).panickedWhileBooting());
        assertFalse(new GuestResult(125, "mount: failed\n", List.of()).panickedWhileBooting(), "a mount failure");
        assertTrue(
                new GuestResult(143, panic, List.of()).panickedWhileBooting(),
                "with --tls-dir the status is the killed TLS sidecar's");
        assertFalse(new GuestResult(143, "mount: failed\n", List.of()).panickedWhileBooting(), "a TLS mount failure");
        assertFalse(new GuestResult(1, panic, List.of()).panickedWhileBooting(), "the script ran and failed");
        assertFalse(
                new GuestResult(125, panic, TapParser.parse("ok 1 - mounted\n")).panickedWhileBooting(),
                "a panic after checks ran is a finding, not a boot failure");
    }
}
