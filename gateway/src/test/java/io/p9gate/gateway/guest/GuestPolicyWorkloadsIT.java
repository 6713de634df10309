package io.p9gate.gateway.guest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.audit.read.AuditRecord;
import io.p9gate.gateway.auditing.SignedLogs;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * PolicyFixture's VM alpha through the real Linux client running what users run (policy-workloads.sh): cp -a, tar x
 * and an rsync-like temp-file-and-rename into the read-only /base (EROFS), onto and into the hidden /secret's name
 * (ENOENT), and into /cache past its 100,000-byte, 4-inode quota (EDQUOT), each the errno docs/policy.md promises;
 * nothing of it reaches the host's /base or /secret, /cache stays within its quota, and the signed log verifies and
 * holds each kind of refusal.
 */
class GuestPolicyWorkloadsIT {
    private static final int ENOENT = 2;
    private static final int EROFS = 30;
    private static final int EDQUOT = 122;

    @TempDir
    Path tmp;

    @Test
    void copiesUnpacksAndUpdatesGetTheDocumentedErrnos() throws Exception {
        GuestHarness harness = GuestHarness.locate();
        SignedAlpha alpha = SignedAlpha.in(tmp);
        Path data = alpha.fixture().data;
        Path src = Files.createDirectories(data.resolve("src/sub"));
        Files.writeString(data.resolve("src/a.txt"), "a".repeat(3000));
        Files.writeString(data.resolve("src/b.txt"), "b".repeat(2000));
        Files.writeString(src.resolve("c.txt"), "c".repeat(1000));
        Files.createSymbolicLink(data.resolve("src/link"), Path.of("a.txt"));
        Files.writeString(data.resolve("base/f"), "old\n");
        // The guest's root's own tree (alpha maps guest 0 to host 100000): cp -a of a host-owned one would stop at
        // the chown to the overflow id first (EINVAL, docs/policy.md), before the quota is reached.
        try (Stream<Path> tree = Files.walk(data.resolve("src"))) {
            for (Path p : tree.toList()) {
                Files.setAttribute(p, "unix:uid", 100000, LinkOption.NOFOLLOW_LINKS);
                Files.setAttribute(p, "unix:gid", 100000, LinkOption.NOFOLLOW_LINKS);
            }
        }

        GuestRun run = GuestRun.script(RepoPaths.composed(tmp.resolve("script"), "marks.sh", "policy-workloads.sh"))
                .withTimeout(Duration.ofSeconds(200));
        GuestResult result = alpha.run(harness, "p9gate-policy-workloads", run);
        assertEquals(0, result.exitCode(), result::describe);

        Map<String, String> want = new LinkedHashMap<>();
        for (String ro : List.of("cp-a", "tar-x", "tar-member", "sync-temp", "sync-rename", "touch-a")) {
            want.put("ro-" + ro, "1:EROFS");
        }
        want.put("ro-f", "old");
        want.put("ro-list", "f map.db");
        for (String hidden : List.of("cp-a", "cp-a-in", "tar-member", "mv")) {
            want.put("hid-" + hidden, "1:ENOENT");
        }
        want.put("hid-root", "0");
        want.put("hid-tar-c", "0");
        want.put("q-cp-a", "1:EDQUOT");
        want.put("q-tar-x", "1:EDQUOT");
        want.put("q-sync-temp", "1:EDQUOT");
        want.put("done", "1");
        ExpectedMarks.assertMarks(want, result.marks(), result::describe);

        assertEquals(List.of("f", "map.db"), HostListing.names(data.resolve("base")));
        assertEquals("old\n", Files.readString(data.resolve("base/f")));
        assertEquals(List.of("key"), HostListing.names(data.resolve("secret")));
        long[] cache = usage(data.resolve("cache"));
        assertTrue(
                cache[0] <= 100_000 && cache[1] <= 4,
                () -> "the host's /cache: " + cache[0] + " bytes, " + cache[1] + " entries, within 100000 and 4 ("
                        + result.marks().get("q-files") + ")");

        SignedLogs.Verified verified = alpha.logs().verify();
        assertEquals(0, verified.exit(), verified.output());
        List<AuditRecord> refused =
                alpha.logs().records().stream().filter(AuditRecord::refused).toList();
        for (Map.Entry<String, Integer> kind :
                Map.of("/base/", EROFS, "/secret", ENOENT, "/cache/", EDQUOT).entrySet()) {
            assertTrue(
                    refused.stream()
                            .anyMatch(r -> r.path() != null
                                    && r.path().startsWith(kind.getKey())
                                    && kind.getValue().equals(r.errno())),
                    () -> "no refusal of errno " + kind.getValue() + " under " + kind.getKey() + " recorded");
        }
    }

    /** Bytes of the regular files below {@code dir} and the entries below it. */
    private static long[] usage(Path dir) throws Exception {
        try (Stream<Path> all = Files.walk(dir)) {
            List<Path> below = all.filter(p -> !p.equals(dir)).toList();
            long bytes = 0;
            for (Path p : below) {
                if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                    bytes += Files.size(p);
                }
            }
            return new long[] {bytes, below.size()};
        }
    }
}
