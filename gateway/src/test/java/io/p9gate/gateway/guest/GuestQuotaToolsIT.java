package io.p9gate.gateway.guest;

import static io.p9gate.gateway.guest.HostListing.names;
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
 * A quota through the tools a guest has, on the real Linux client at msize 1 MiB (quota-kernel.sh): PolicyFixture's
 * VM alpha with /cache limited to 3 MiB, mounted cache=none. dd of 1 MiB writes stops at the quota (the write that
 * would pass it refused whole), a sparse file counts its apparent size, Tstatfs of the scope shows it full, mv of a
 * file from outside into the full scope is EDQUOT and ln EXDEV; each refusal recorded with the errno the guest got.
 */
class GuestQuotaToolsIT {
    @TempDir
    Path tmp;

    @Test
    void aQuotaHoldsAgainstTheToolsOfAGuestAtMsizeOneMebibyte() throws Exception {
        GuestHarness harness = GuestHarness.locate();
        SignedAlpha alpha = new SignedAlpha(new PolicyFixture(tmp, "3MiB"), SignedLogs.in(tmp.resolve("audit")));
        PolicyFixture fx = alpha.fixture();
        GuestRun run = GuestRun.script(RepoPaths.guestScripts().resolve("quota-kernel.sh"))
                .withMountOpts("cache=none")
                .withMsize(1 << 20)
                .withTimeout(Duration.ofSeconds(120));
        GuestResult result = alpha.run(harness, "p9gate-quota-kernel", run);
        Map<String, String> want = new LinkedHashMap<>();
        // Three 1 MiB Twrites fit; the fourth would pass the quota and is refused whole.
        want.put("dd-past", "Disk quota exceeded 4+0 records in 3+0 records out");
        want.put("dd-size", "3145728");
        want.put("sparse-10g", "Disk quota exceeded");
        want.put("sparse-1m", "OK:,");
        // A sparse file counts its apparent size (docs/policy.md), so a write at 2 MiB fills the 3 MiB quota.
        want.put("sparse-end", "OK:1+0 records in,1+0 records out,");
        want.put("sparse-past", "Disk quota exceeded 1+0 records in 0+0 records out");
        want.put("sparse-size", "3145728");
        want.put("statfs-full", "0 free of 768 * 4096");
        want.put("mv-in-full", "Disk quota exceeded");
        want.put("ln-in", "Invalid cross-device link");
        want.put("mv-in-room", "OK:,");
        want.put("mv-in-size", "2097152");
        want.put("cache-left", "big,");
        want.put("done", "");
        ExpectedMarks.assertMarks(want, result.marks(), result::describe);
        assertEquals(0, result.exitCode(), result::describe);
        assertEquals(List.of("big"), names(fx.data.resolve("cache")));
        assertEquals(2097152, Files.size(fx.data.resolve("cache/big")));
        SignedLogs.Verified verified = alpha.logs().verify();
        assertEquals(0, verified.exit(), verified.output());
        List<AuditRecord> records = alpha.logs().records();
        assertEquals(List.of("write 122"), refusedAt(records, "/cache/dd"));
        assertEquals(List.of("setattr 122", "write 122"), refusedAt(records, "/cache/sparse"));
        assertEquals(List.of("link 18", "renameat 122"), refusedAt(records, "/big"));
    }

    /** "op errno" of the refusals at {@code path}, each once, sorted; but what the kernel asks routinely. */
    private static List<String> refusedAt(List<AuditRecord> records, String path) {
        return records.stream()
                .filter(r -> r.refused() && path.equals(r.path()) && !routinelyRefused(r))
                .map(r -> r.op() + " " + r.errno())
                .distinct()
                .sorted()
                .toList();
    }

    /**
     * A refusal of what the kernel asks routinely: a lookup of a name not made yet, security.capability at each write
     * (none: ENODATA).
     */
    static boolean routinelyRefused(AuditRecord r) {
        return ("walk".equals(r.op()) && r.errno() == 2) || ("xattrwalk".equals(r.op()) && r.errno() == 61);
    }
}
