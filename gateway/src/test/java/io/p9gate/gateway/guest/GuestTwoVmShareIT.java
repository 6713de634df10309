package io.p9gate.gateway.guest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.p9gate.audit.read.AuditRecord;
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
 * Two VMs' real Linux clients on one shared folder at once (two-vm-share.sh, GuestSetIdLockReloadIT's two VMs): VM
 * a (cache=mmap) holds locks while VM b renames and removes the locked files, b appends while a polls, b truncates
 * while a appends, a writes through a shared map that b reads. No hang, no lost write, the locks follow the file
 * and not its name, and each VM's requests are recorded under its own name.
 */
class GuestTwoVmShareIT {
    @TempDir
    Path tmp;

    @Test
    void twoVmsLockRenameAppendTruncateAndMapOneFolder() throws Exception {
        GuestHarness harness = GuestHarness.locate();
        Path common = PosixScript.traversableDir(tmp.resolve("common"));
        Files.createDirectories(common.resolve("sync"));
        Files.createDirectories(common.resolve("shared"));
        Path policyFile = tmp.resolve("policy.yaml");
        Files.writeString(policyFile, GuestSetIdLockReloadIT.twoVms(tmp, common, ""));
        SignedLogs logs = SignedLogs.in(tmp.resolve("audit"));
        Path lockHelper = HostBuild.guestBinary("setid-lock-helper");
        Path mapHelper = HostBuild.guestBinary("mmap-reload-helper");
        GuestResult a;
        GuestResult b;
        try (TwoGuestGateway gateway = new TwoGuestGateway(harness, policyFile, logs, "two-vm-share")) {
            CompletableFuture<GuestResult> first = gateway.boot(
                    "p9gate-two-vm-share-a", tmp.resolve("a.sock"), run("a", "cache=mmap", lockHelper, mapHelper));
            GuestBoots.awaitBoot(common.resolve("sync/a-ready"), first);
            CompletableFuture<GuestResult> second = gateway.boot(
                    "p9gate-two-vm-share-b", tmp.resolve("b.sock"), run("b", "cache=none", lockHelper, mapHelper));
            b = second.join();
            a = first.join();
        }
        for (GuestResult guest : List.of(a, b)) {
            assertEquals(0, guest.exitCode(), guest::describe);
            assertFalse(guest.output().contains("9pnet"), guest::describe);
            assertFalse(guest.output().contains("BUG"), guest::describe);
        }
        Map<String, String> want = new LinkedHashMap<>();
        want.put("a-flock-rc", "0");
        want.put("b-mv-locked", "0");
        want.put("b-flock-renamed", "1"); // a's lock went with the file
        want.put("b-flock-new-name", "0"); // the new file at the old name is not a's
        want.put("b-rm-locked", "0");
        want.put("b-mv-plocked", "0");
        want.put("b-getlk-renamed", "WRLCK 0 0 0");
        want.put("b-rm-plocked", "0");
        want.put("a-hold-open", "OK");
        want.put("a-hold-lock", "OK");
        want.put("a-hold-relock", "OK");
        want.put("a-hold-unlock", "OK");
        want.put("a-hold-rdlock", "OK");
        want.put("a-hold-close", "OK");
        want.put("a-log-polled", "200 0");
        want.put("b-tr-truncated", "yes");
        want.put("a-mmap-open", "OK");
        want.put("a-mmap-map", "OK");
        want.put("a-mmap-msync-before", "OK");
        want.put("b-mm-before", "before");
        want.put("a-mmap-msync-after", "OK");
        want.put("a-mmap-fsync-after", "OK");
        want.put("a-mmap-munmap", "OK");
        want.put("a-mmap-write-after", "OK");
        want.put("a-mmap-close", "OK");
        want.put("b-mm-after", "xFTER!"); // the helper's write(2) after munmap, at offset 0
        want.put("a-done", "");
        want.put("b-done", "");
        Map<String, String> seen = new LinkedHashMap<>(a.marks());
        seen.putAll(b.marks());
        ExpectedMarks.assertMarks(want, seen, () -> a.describe() + "\n" + b.describe());
        // Both see what the host holds after a's last append: no zeros, a-last at the end.
        long hostTr = Files.size(common.resolve("shared/tr"));
        assertEquals(hostTr + " 0 a-last", seen.get("a-tr-after"), a::describe);
        assertEquals(hostTr + " 0 a-last", seen.get("b-tr-after"), b::describe);

        SignedLogs.Verified verified = logs.verify();
        assertEquals(0, verified.exit(), verified.output());
        List<AuditRecord> records = logs.records();
        assertEquals(List.of("b"), vmsOf(records, "write", "/shared/log"));
        assertEquals(List.of("a"), vmsOf(records, "write", "/shared/mm"));
        assertEquals(List.of("b"), vmsOf(records, "renameat", "/shared/fl"));
    }

    private static List<String> vmsOf(List<AuditRecord> records, String op, String path) {
        return records.stream()
                .filter(r -> op.equals(r.op()) && path.equals(r.path()) && !r.refused())
                .map(AuditRecord::vm)
                .distinct()
                .sorted()
                .toList();
    }

    private static GuestRun run(String role, String mountOpts, Path lockHelper, Path mapHelper) {
        return GuestRun.script(RepoPaths.guestScripts().resolve("two-vm-share.sh"))
                .withMountOpts(mountOpts)
                .withTimeout(Duration.ofSeconds(180))
                .withBin(lockHelper)
                .withBin(mapHelper)
                .withBin(Path.of("/usr/bin/flock"))
                .withEnv("SL_HELPER", lockHelper.toString())
                .withEnv("MM_HELPER", mapHelper.toString())
                .withEnv("ROLE", role);
    }
}
