package io.p9gate.gateway.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.audit.read.AuditRecord;
import io.p9gate.gateway.auditing.SignedLogs;
import io.p9gate.gateway.guest.ExpectedMarks;
import io.p9gate.gateway.guest.GuestHarness;
import io.p9gate.gateway.guest.GuestResult;
import io.p9gate.gateway.guest.GuestRun;
import io.p9gate.gateway.guest.GuestSignal;
import io.p9gate.gateway.guest.RepoPaths;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A reload tightening a quota below what its scope holds while the real Linux client is busy there
 * (quota-reload.sh): alpha's /cache from 100,000 bytes to 50,000 and back, a loop creating, writing, renaming, listing,
 * removing and appending in /cache throughout, a descriptor of an unlinked 21,000-byte file held across the first
 * reload. Under the tight quota only growth is refused (EDQUOT): an overwrite in place, a rename within the scope and a
 * truncate down go on; the held file counts until its descriptor closes, then its bytes are room again; no call
 * hangs or fails otherwise; every refusal is recorded with the errno the guest got.
 */
class GuestQuotaReloadIT {
    private static final String EDQUOT = "Disk quota exceeded";

    @TempDir
    Path tmp;

    @Test
    void aQuotaTightenedBelowItsUsageMidWorkloadRefusesOnlyGrowth() throws Exception {
        GuestHarness harness = GuestHarness.locate();
        Path share = Files.createDirectories(tmp.resolve("share"));
        Files.createDirectories(share.resolve("cache"));
        Files.createDirectories(share.resolve("signal"));
        Path socket = tmp.resolve("alpha.sock");
        Path policy = Files.writeString(tmp.resolve("policy.yaml"), alpha(socket, share, "100000"));
        Path pidFile = tmp.resolve("p9gate.pid");
        SignedLogs logs = SignedLogs.in(tmp);
        GuestResult result;
        try (ServeProcess gateway = ServeProcess.signed(policy, logs, pidFile)) {
            gateway.awaitStdout("p9gate: audit log ");
            CompletableFuture<Void> reloads = CompletableFuture.runAsync(() -> {
                try {
                    reloadWhenAsked(gateway, pidFile, share, 1, alpha(socket, share, "50000"));
                    reloadWhenAsked(gateway, pidFile, share, 2, alpha(socket, share, "100000"));
                } catch (Exception e) {
                    throw new CompletionException(e);
                }
            });
            result = harness.run(
                    "p9gate-quota-reload",
                    socket,
                    GuestRun.script(RepoPaths.guestScripts().resolve("quota-reload.sh"))
                            .withTimeout(Duration.ofSeconds(240)));
            reloads.get(1, TimeUnit.MINUTES);
            assertEquals(ServeProcess.EXIT_ON_SIGTERM, gateway.stop(), gateway.stderr());
        }

        Map<String, String> want = new LinkedHashMap<>();
        want.put("held-unlinked-write", "OK:1+0 records in,1+0 records out,");
        want.put("tight-append", EDQUOT + " 1+0 records in 0+0 records out");
        want.put("tight-held-unlinked-write", EDQUOT + " 1+0 records in 0+0 records out");
        want.put("tight-new", EDQUOT); // a new name in a scope past its bytes (docs/policy.md)
        want.put("tight-overwrite", "OK:1+0 records in,1+0 records out,");
        want.put("tight-rename", "OK:,");
        want.put("tight-truncate-down", "OK:,");
        want.put("tight-35000-held", EDQUOT + " 1+0 records in 0+0 records out");
        want.put("tight-35000-freed", "OK:1+0 records in,1+0 records out,");
        want.put("loose-append", "OK:1+0 records in,1+0 records out,");
        want.put("loop-ran", "yes");
        want.put("loop-errors", EDQUOT + ",");
        want.put("loop-slowest-below-10", "yes");
        want.put("cache-left", "a2,b,l,");
        want.put("sizes", "10010,35000,");
        want.put("done", "");
        ExpectedMarks.assertMarks(want, result.marks(), result::describe);
        assertEquals(0, result.exitCode(), result::describe);
        try (var names = Files.list(share.resolve("cache"))) {
            assertEquals(
                    List.of("a2", "b", "l"),
                    names.map(p -> p.getFileName().toString()).sorted().toList());
        }

        SignedLogs.Verified verified = logs.verify();
        assertEquals(0, verified.exit(), verified.output());
        List<AuditRecord> records = logs.records();
        List<String> refusals = records.stream()
                .filter(r -> r.refused() && String.valueOf(r.path()).startsWith("/cache"))
                // what the kernel asks routinely: a lookup of a name not made yet, security.capability at a write
                .filter(r ->
                        !("walk".equals(r.op()) && r.errno() == 2 || "xattrwalk".equals(r.op()) && r.errno() == 61))
                .map(r -> r.op() + " " + r.errno())
                .distinct()
                .sorted()
                .toList();
        // Only growth and new names (in a scope past its bytes), EDQUOT as the guest got it: no truncate or open.
        assertEquals(List.of("lcreate 122", "write 122"), refusals);
    }

    /** Once the guest made signal/ready-N: {@code policy} written and reloaded by SIGHUP, then signal/go-N. */
    private static void reloadWhenAsked(ServeProcess gateway, Path pidFile, Path share, int phase, String policy)
            throws Exception {
        if (!GuestSignal.appeared(share.resolve("signal/ready-" + phase), Duration.ofMinutes(3))) {
            return;
        }
        Files.writeString(pidFile.resolveSibling("policy.yaml"), policy);
        String outcome = gateway.reloadBySighup(pidFile);
        assertTrue(outcome.contains(" loaded "), () -> outcome + gateway.stderr());
        Files.createFile(share.resolve("signal/go-" + phase));
    }

    /** VM alpha on {@code socket}, ids shifted by 100000, /cache of its share limited to {@code bytes} and 16 inodes. */
    private static String alpha(Path socket, Path share, String bytes) {
        return """
                image: quota-reload
                vms:
                  alpha:
                    listen: unix:%s
                    ids:
                      uid: {ranges: [{guest: 0, host: 100000, count: 65536}]}
                      gid: {ranges: [{guest: 0, host: 100000, count: 65536}]}
                    shares:
                      data:
                        path: %s
                        access: read-write
                        quotas:
                          - {path: /cache, bytes: %s, inodes: 16}
                """.formatted(socket, share, bytes);
    }
}
