package io.p9gate.gateway.guest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.audit.read.AuditRecord;
import io.p9gate.gateway.auditing.SignedLogs;
import io.p9gate.gateway.policyadapter.PolicyFixture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Ground truth for the legacy dialects (issue 14): the real Linux client mounts PolicyFixture's share "data" with
 * version=9p2000.u or version=9p2000 and runs gateway/src/test/guest/dialects.sh: listing, reading, creating,
 * directories, removal, (.u) symlinks, chmod/truncate/times/rename (and .u chown) through Twstat, and the policy's EROFS, ENOENT and EDQUOT as the client maps the Rerror.
 * The signed audit log then verifies and holds the dialect's requests under their own names (stat, open, create,
 * remove).
 */
class GuestDialectsIT {
    /** dialects.sh's checks, skips included; the skips are known (9P2000 has no symlinks and sends no chown). */
    static final int CHECKS = 13;

    @TempDir
    Path tmp;

    @ParameterizedTest
    @ValueSource(strings = {"9p2000.u", "9p2000"})
    void theKernelClientWorksThroughTheDialect(String dialect) throws Exception {
        GuestHarness harness = GuestHarness.locate();
        SignedAlpha alpha = SignedAlpha.in(tmp);
        PolicyFixture fx = alpha.fixture();
        SignedLogs logs = alpha.logs();
        GuestResult result = alpha.run(
                harness,
                "p9gate-dialect-" + dialect,
                GuestRun.script(RepoPaths.composed(tmp.resolve("script"), "tap.sh", "quota.sh", "dialects.sh"))
                        .withDialect(dialect)
                        .withEnv("DIALECT", dialect));
        assertEquals(List.of(), result.failed(), result::describe);
        assertEquals(CHECKS, result.checks().size(), result::describe);
        assertEquals(dialect.equals("9p2000") ? 2 : 0, result.skipped().size(), result::describe);
        assertEquals(0, result.exitCode(), result::describe);

        // The host: the read-only subtree untouched, the quota kept.
        assertEquals("tiles", Files.readString(fx.data.resolve("base/map.db")));
        assertEquals(List.of("map.db"), names(fx.data.resolve("base")));
        assertEquals(List.of("c"), names(fx.data.resolve("cache")));

        SignedLogs.Verified verified = logs.verify();
        assertEquals(0, verified.exit(), verified.output());
        List<AuditRecord> records = logs.records();
        // Recorded under the dialect's own message names.
        assertRecorded(records, "stat", "/notes.txt");
        assertRecorded(records, "open", "/notes.txt");
        assertRecorded(records, "read", "/notes.txt");
        assertRecorded(records, "create", "/new.txt");
        assertRecorded(records, "write", "/new.txt");
        assertRecorded(records, "create", "/dir");
        assertRecorded(records, "remove", "/dir");
        assertRecorded(records, "read", "/");
        assertRecorded(records, "wstat", "/w.txt");
        assertTrue(
                records.stream()
                        .anyMatch(
                                r -> r.refused() && r.path() != null && r.path().startsWith("/base")),
                "a refusal in the read-only subtree is recorded");
        // The bits the client sends in normal use (set-id, sticky, DMDIR, a fifo's type) are no "mode-bits" refusal.
        assertEquals(
                List.of(),
                records.stream()
                        .filter(r -> r.rules() != null && r.rules().contains("mode-bits"))
                        .toList(),
                "mode-bits refusals of the kernel client's own requests");
    }

    private static void assertRecorded(List<AuditRecord> records, String op, String path) {
        assertTrue(
                records.stream().anyMatch(r -> r.isDecision() && op.equals(r.op()) && path.equals(r.path())),
                () -> op + " " + path + " not recorded; ops seen: "
                        + records.stream()
                                .filter(AuditRecord::isDecision)
                                .map(r -> r.op() + " " + r.path())
                                .collect(Collectors.toCollection(TreeSet::new)));
    }

    private static List<String> names(Path dir) throws Exception {
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
