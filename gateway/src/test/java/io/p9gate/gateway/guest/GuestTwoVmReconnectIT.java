package io.p9gate.gateway.guest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.audit.read.AuditRecord;
import io.p9gate.gateway.auditing.SignedLogs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two VMs' real Linux clients on one folder under different policies (two-vm-reconnect.sh): VM a may change it, VM
 * b sees its data/ as a read-only share. b reads what a writes and is refused every change; b's listings while a
 * renames hold every stable name once; then a mounts through a second port 50 times, each time lazily unmounting with
 * files and a directory open and cutting the relay, so the fids are never clunked and the next mount's Tversion comes
 * on the same connection, while b reads on. The gateway (this JVM) holds no more descriptors afterwards than before,
 * and the signed log names each VM.
 */
class GuestTwoVmReconnectIT {
    private static final int ROUNDS = 50;
    /** Audit segment and checkpoint churn; a leaked descriptor a round would be 50 more, three a round 150. */
    private static final int FD_SLACK = 8;

    @TempDir
    Path tmp;

    @Test
    void aReadOnlyVmAndAVmReconnectingFiftyTimesOnOneFolder() throws Exception {
        GuestHarness harness = GuestHarness.locate();
        Path common = PosixScript.traversableDir(tmp.resolve("common"));
        Path sync = Files.createDirectories(common.resolve("sync"));
        Path data = Files.createDirectories(common.resolve("data"));
        byte[] big = new byte[1 << 20];
        new Random(15).nextBytes(big);
        Files.write(data.resolve("big"), big);
        Path policyFile = Files.writeString(tmp.resolve("policy.yaml"), policy(common));
        SignedLogs logs = SignedLogs.in(tmp.resolve("audit"));
        GuestResult a;
        GuestResult b;
        long fdsBefore = -1;
        long fdsAfter = -1;
        try (TwoGuestGateway gateway = new TwoGuestGateway(harness, policyFile, logs, "two-vm-reconnect")) {
            CompletableFuture<GuestResult> first = gateway.boot(
                    "p9gate-two-vm-reconnect-a",
                    tmp.resolve("a.sock"),
                    run("a").withAname("car"),
                    GuestHarness.extraPorts(tmp.resolve("a.sock"), List.of("rc")));
            GuestBoots.awaitBoot(sync.resolve("a-ready"), first);
            CompletableFuture<GuestResult> second = gateway.boot(
                    "p9gate-two-vm-reconnect-b",
                    tmp.resolve("b.sock"),
                    run("b").withAname("car"),
                    GuestHarness.extraPorts(tmp.resolve("b.sock"), List.of("sy")));
            if (GuestBoots.awaitFile(sync.resolve("loop-start"), Duration.ofMinutes(5), first)) {
                fdsBefore = descriptors();
                Files.createFile(sync.resolve("counted-start"));
                if (GuestBoots.awaitFile(sync.resolve("loop-end"), Duration.ofMinutes(10), first)) {
                    fdsAfter = descriptors();
                }
            }
            b = second.join();
            a = first.join();
        }
        for (GuestResult guest : List.of(a, b)) {
            assertEquals(0, guest.exitCode(), guest::describe);
            assertFalse(guest.output().contains("BUG"), guest::describe);
        }
        System.out.println("GuestTwoVmReconnectIT: gateway descriptors " + fdsBefore + " before, " + fdsAfter
                + " after " + ROUNDS + " reconnects");
        Map<String, String> want = new LinkedHashMap<>();
        want.put("a-write-f1", "0");
        want.put("b-read-f1", "hello-from-a");
        for (String change : List.of("write-f1", "touch", "rm", "mv", "mkdir")) {
            want.put("b-" + change, "EROFS");
        }
        want.put("b-owner", "4294967294 4294967294"); // a's host ids: outside b's maps, the overflow id
        want.put("b-f1-after", "hello-from-a");
        want.put("b-listings-bad", "0");
        want.put("b-listed", "200 0");
        want.put("a-loop-mount", "hello-from-a");
        want.put("a-loop-bad", "0");
        want.put("a-held", Integer.toString(ROUNDS));
        want.put("b-loop-reads", "many 0");
        want.put("b-held", Integer.toString(ROUNDS));
        want.put("a-done", "");
        want.put("b-done", "");
        Map<String, String> seen = new LinkedHashMap<>(a.marks());
        seen.putAll(b.marks());
        ExpectedMarks.assertMarks(want, seen, () -> a.describe() + "\n" + b.describe());
        assertTrue(fdsBefore > 0 && fdsAfter > 0, "counted: " + fdsBefore + " " + fdsAfter);
        assertTrue(
                fdsAfter <= fdsBefore + FD_SLACK,
                "the gateway's descriptors: " + fdsBefore + " before, " + fdsAfter + " after");

        SignedLogs.Verified verified = logs.verify();
        assertEquals(0, verified.exit(), verified.output());
        List<AuditRecord> records = logs.records();
        assertEquals(List.of("a"), vms(records, r -> "/data/f1".equals(r.path()) && r.op().equals("write")));
        assertEquals(List.of("b"), vms(records, r -> r.refused() && "/f1".equals(r.path())));
    }

    private static List<String> vms(List<AuditRecord> records, Predicate<AuditRecord> which) {
        return records.stream()
                .filter(which)
                .map(AuditRecord::vm)
                .distinct()
                .sorted()
                .toList();
    }

    private static long descriptors() throws Exception {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.count();
        }
    }

    private GuestRun run(String role) throws IOException {
        return GuestRun.script(RepoPaths.composed(tmp.resolve("script-" + role), "marks.sh", "two-vm-reconnect.sh"))
                .withMountOpts("cache=none")
                .withTimeout(Duration.ofMinutes(12))
                .withEnv("ROLE", role);
    }

    /** TwoGuestGateway's VM a on the whole folder, and VM b: data/ read-only, sync/ read-write. */
    private static String policy(Path common) {
        Path tmp = common.getParent();
        return TwoGuestGateway.oneVmPolicy(tmp.resolve("a.sock"), common)
                + """
                  b:
                    listen: unix:%1$s
                    ids:
                      uid: {ranges: [{guest: 0, host: 300000, count: 65536}]}
                      gid: {ranges: [{guest: 0, host: 300000, count: 65536}]}
                    shares:
                      car:
                        path: %2$s/data
                        access: read-only
                      sy:
                        path: %2$s/sync
                        access: read-write
                """.formatted(tmp.resolve("b.sock"), common);
    }
}
