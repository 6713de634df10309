package io.p9gate.gateway.guest;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.p9gate.audit.read.AuditRecord;
import io.p9gate.gateway.auditing.SignedLogs;
import io.p9gate.gateway.policyadapter.PolicyFixture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A build-like workload through the real Linux client (build-workload.sh, cache=none) of PolicyFixture's VM alpha:
 * 150 small sources each copied to a temp name and renamed onto its object's name (as gcc -o, ld and install do),
 * the same in /cache under its 100,000-byte, 4-inode quota (a temp file renamed onto a full scope's file frees the
 * replaced one's bytes and inode), writes and renames into and within the read-only /base, and git init, add,
 * commit, fsck (added from the host). Each refusal is the errno the guest's tool reports, recorded once at its path.
 */
class GuestBuildWorkloadIT {
    @TempDir
    Path tmp;

    @Test
    void aBuildLikeWorkloadUnderAQuotaAndAReadOnlySubtree() throws Exception {
        GuestHarness harness = GuestHarness.locate();
        SignedAlpha alpha = SignedAlpha.in(tmp);
        PolicyFixture fx = alpha.fixture();
        GuestRun run = GuestRun.script(RepoPaths.guestScripts().resolve("build-workload.sh"))
                .withMountOpts("cache=none")
                .withBin(Path.of("/usr/bin/git"))
                .withEnv("GIT", "1")
                .withTimeout(Duration.ofSeconds(180));
        GuestResult result = alpha.run(harness, "p9gate-build-workload", run);
        Map<String, String> want = new LinkedHashMap<>();
        want.put("small-builds", "0 300 0"); // no rename failed, 150 sources and objects, no temp file left
        want.put("rename-onto", "OK:, v2");
        want.put("q-fill", "3 60000");
        want.put("q-tmp", "ERR:Disk quota exceeded 41+0 records in 40+0 records out");
        want.put("q-tmp-size", "40000");
        want.put("q-tmp30", "30000 3");
        want.put("q-inode-5", "ERR:Disk quota exceeded");
        want.put("q-rename-onto", "OK:, 30000");
        want.put("q-after-rename", "OK:, .,..,a,b,c,out,");
        want.put("q-rename-onto-2", "OK:, .,..,a,b,out,");
        want.put("ro-create", "ERR:Read-only file system");
        want.put("ro-rename", "ERR:Read-only file system");
        want.put("ro-rename-in", "ERR:Read-only file system");
        want.put("ro-rename-over", "ERR:Read-only file system");
        want.put("ro-map", "tiles");
        want.put("git-init", "OK:warning: templates not found in /usr/share/git-core/templates,");
        want.put("git-add", "OK:,");
        want.put("git-commit", "OK:,");
        want.put("git-commit-2", "OK:,");
        want.put("git-log", "second,first,");
        want.put("git-fsck", "OK:,");
        want.put("git-status", "0");
        want.put("git-in-quota", "ERR:Disk quota exceeded");
        want.put("done", "");
        ExpectedMarks.assertMarks(want, result.marks(), result::describe);
        assertEquals(0, result.exitCode(), result::describe);
        assertEquals(List.of("map.db"), HostListing.names(fx.data.resolve("base")));
        assertEquals(30000, Files.size(fx.data.resolve("cache/out")));

        SignedLogs.Verified verified = alpha.logs().verify();
        assertEquals(0, verified.exit(), verified.output());
        List<AuditRecord> records = alpha.logs().records();
        assertEquals(
                List.of(
                        "write /cache/.out.tmp 122",
                        "lcreate /cache/c 122",
                        "lcreate /base/obj.o 30",
                        "renameat /base/map.db 30",
                        "renameat /proj/out 30",
                        "renameat /proj/s1.o 30",
                        "mkdir /cache/r2/.git 122"),
                records.stream()
                        .filter(r -> r.refused() && !GuestQuotaToolsIT.routinelyRefused(r))
                        .map(r -> r.op() + " " + r.path() + " " + r.errno())
                        .distinct()
                        .toList());
        assertEquals(
                150,
                records.stream()
                        .filter(r -> "renameat".equals(r.op()) && !r.refused())
                        .map(AuditRecord::path)
                        .filter(p -> p.matches("/proj/\\.o[0-9]+\\.tmp"))
                        .distinct()
                        .count(),
                "each temp file's rename onto its object recorded");
    }
}
