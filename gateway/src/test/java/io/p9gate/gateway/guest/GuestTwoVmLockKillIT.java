package io.p9gate.gateway.guest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.p9gate.gateway.auditing.SignedLogs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Locks of a VM that dies holding them (two-vm-lock-kill.sh, GuestSetIdLockReloadIT's two VMs on one folder): VM b's
 * processes hold an fcntl write lock and a flock when its guest powers off under them, so no unlock or clunk is ever
 * sent and only its connection closes. VM a, which found both taken (F_GETLK names the write lock, flock -n fails)
 * and waits on both (F_SETLKW, blocking flock), gets each once b is gone.
 */
class GuestTwoVmLockKillIT {
    @TempDir
    Path tmp;

    @Test
    void aVmThatDiesHoldingLocksReleasesThemToTheOtherVmsWaiters() throws Exception {
        GuestHarness harness = GuestHarness.locate();
        Path common = PosixScript.traversableDir(tmp.resolve("common"));
        Files.createDirectories(common.resolve("sync"));
        Files.createDirectories(common.resolve("shared"));
        Path policyFile = tmp.resolve("policy.yaml");
        Files.writeString(policyFile, GuestSetIdLockReloadIT.twoVms(tmp, common, ""));
        SignedLogs logs = SignedLogs.in(tmp.resolve("audit"));
        Path lockHelper = HostBuild.guestBinary("setid-lock-helper");
        GuestResult a;
        GuestResult b;
        try (TwoGuestGateway gateway = new TwoGuestGateway(harness, policyFile, logs, "two-vm-lock-kill")) {
            CompletableFuture<GuestResult> holder =
                    gateway.boot("p9gate-two-vm-lock-kill-b", tmp.resolve("b.sock"), run("b", lockHelper));
            GuestBoots.awaitBoot(common.resolve("sync/b-ready"), holder);
            CompletableFuture<GuestResult> waiter =
                    gateway.boot("p9gate-two-vm-lock-kill-a", tmp.resolve("a.sock"), run("a", lockHelper));
            b = holder.join();
            a = waiter.join();
        }
        for (GuestResult guest : List.of(a, b)) {
            assertEquals(0, guest.exitCode(), guest::describe);
            assertFalse(guest.output().contains("9pnet"), guest::describe);
        }
        Map<String, String> want = new LinkedHashMap<>();
        want.put("b-holding", "0");
        want.put("b-hold-lock", "OK");
        want.put("b-a-waited", "0");
        want.put("b-done", "");
        want.put("a-flock-contended", "1");
        want.put("a-waiting", "0");
        want.put("a-wait-open", "OK");
        want.put("a-wait-lock", "OK");
        want.put("a-wait-unlock", "OK");
        want.put("a-flock-after", "0");
        want.put("a-flock-free", "0");
        want.put("a-done", "");
        Map<String, String> seen = new LinkedHashMap<>(a.marks());
        seen.putAll(b.marks());
        ExpectedMarks.assertMarks(want, seen, () -> a.describe() + "\n" + b.describe());
        assertEquals("WRLCK", seen.getOrDefault("a-getlk", "").split(" ")[0], a::describe);
        SignedLogs.Verified verified = logs.verify();
        assertEquals(0, verified.exit(), verified.output());
    }

    private GuestRun run(String role, Path lockHelper) throws Exception {
        return GuestRun.script(RepoPaths.composed(tmp.resolve("script-" + role), "marks.sh", "two-vm-lock-kill.sh"))
                .withMountOpts("cache=none")
                .withTimeout(Duration.ofSeconds(300))
                .withBin(lockHelper)
                .withBin(Path.of("/usr/bin/flock"))
                .withEnv("SL_HELPER", lockHelper.toString())
                .withEnv("ROLE", role);
    }
}
