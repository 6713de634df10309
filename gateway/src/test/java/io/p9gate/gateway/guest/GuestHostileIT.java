package io.p9gate.gateway.guest;

import static io.p9gate.gateway.guest.HostListing.names;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.audit.read.AuditRecord;
import io.p9gate.gateway.auditing.SignedLogs;
import io.p9gate.gateway.policyadapter.PolicyFixture;
import io.p9gate.policy.PolicyHolder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A hostile guest program on the real Linux client against PolicyFixture's VM alpha (/base read-only, /secret hidden,
 * no *.sh writes, /cache 100000 bytes and 4 inodes, devices refused), mounted cache=loose so that the page cache and
 * mmap writeback reach the gateway late, through fids opened earlier. gateway/src/test/guest/hostile.sh tries each
 * bypass with real system calls (hostile-helper.c) and prints what the guest got. The test asserts what the guest
 * got per attempt, what the host holds afterwards, and that the signed log verifies and records the refusals with
 * the errno the guest got (hidden: ENOENT, read-only: EROFS, devices: EPERM, deny rule: EACCES, quota: EDQUOT).
 */
class GuestHostileIT {
    private static final int ENOENT = 2;
    private static final int EPERM = 1;
    private static final int EACCES = 13;
    private static final int EROFS = 30;
    private static final int EDQUOT = 122;
    private static final long QUOTA = 100_000;

    @TempDir
    Path tmp;

    /** What each attempt must give the guest, in the script's order: hostile-helper's words, or the value shown. */
    private static Map<String, String> expected() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("hidden-open", "open:ENOENT");
        m.put("hidden-dotdot", "open:ENOENT");
        m.put("hidden-creat", "open:ENOENT");
        m.put("hidden-mknod", "mknod:ENOENT");
        m.put("hidden-link-out", "link:ENOENT");
        m.put("hidden-rename-out", "rename:ENOENT");
        m.put("hidden-rename-in", "rename:ENOENT");
        m.put("hidden-link-in", "link:ENOENT");
        m.put("hidden-symlink", "open:ENOENT");
        m.put("hidden-ls-a", ".,..,base,cache,hold-hidden,hold-ro,mine,moved-in,notes.txt,signal,via-symlink,");
        m.put("hidden-ls-la-mentions", "0");
        m.put("ro-open-rdwr", "open:EROFS");
        m.put("ro-truncate", "truncate:EROFS");
        m.put("ro-link-out", "link:EROFS");
        m.put("ro-link-in", "link:EROFS");
        m.put("ro-rename-out", "rename:EROFS");
        m.put("ro-chmod", "chmod:EROFS");
        m.put("ro-chown", "chown:EROFS");
        m.put("ro-setxattr", "setxattr:EROFS");
        m.put("ro-mknod", "mknod:EROFS");
        m.put("xattr-capability", "setxattr:EOPNOTSUPP");
        m.put("xattr-trusted", "setxattr:EOPNOTSUPP");
        m.put("xattr-acl", "setxattr:EOPNOTSUPP");
        m.put("xattr-p9gate", "setxattr:EPERM");
        m.put("mknod-char", "mknod:EPERM");
        m.put("mknod-block", "mknod:EPERM");
        m.put("deny-link", "link:EACCES");
        m.put("deny-rename", "rename:EACCES");
        m.put("deny-mknod", "mknod:EACCES");
        m.put("quota-truncate", "truncate:EDQUOT");
        m.put("quota-ftruncate", "ftruncate:EDQUOT");
        // 9P2000.L has no Tfallocate: the kernel answers itself, nothing reaches the gateway but the create.
        m.put("quota-fallocate", "fallocate:EOPNOTSUPP");
        m.put("quota-fallocate-size", "0");
        m.put("quota-odirect", "write:EDQUOT");
        // Cached writes succeed into the guest's page cache; the refused writeback reaches the program at fsync.
        m.put("quota-pagecache", "fsync:EDQUOT");
        m.put("quota-mmap-within", "OK");
        m.put("quota-mmap-past", "ftruncate:EDQUOT");
        m.put("quota-copy-file-range", "fsync:EDQUOT");
        m.put("quota-sendfile", "fsync:EDQUOT");
        m.put("quota-df", "98304");
        m.put("cache-left", "");
        // Closed without fsync: the kernel drops the writeback's EDQUOT (close says OK) and keeps its cached size.
        m.put("quota-writeback-close", "OK");
        m.put("quota-writeback-size", "150000");
        return m;
    }

    @Test
    void aHostileGuestGetsNothingPastThePolicy() throws Exception {
        Hostile run = runHostile(false);
        Path data = run.data();
        assertEquals(List.of("w"), names(data.resolve("cache")));
        long kept = Files.size(data.resolve("cache/w"));
        assertTrue(kept <= QUOTA, "the writeback left " + kept + " bytes on the host");
        List<AuditRecord> records = run.records();
        // A hidden walk is refused (and recorded) at its first hidden name.
        assertRefused(records, "/secret", ENOENT, "");
        assertRefused(records, "/base/map.db", EROFS, "to=/map-link");
        assertRefused(records, "/base/map.db", EROFS, "valid=0x8");
        assertRefused(records, "/moved-in", EROFS, "to=/base/linked-in");
        assertRefused(records, "/dev-null", EPERM, "dev=1:3");
        assertRefused(records, "/moved-in", EACCES, "to=/x.sh");
        assertRefused(records, "/y.sh", EACCES, "");
        assertRefused(records, "/cache/t", EDQUOT, "valid=0x8");
        assertRefused(records, "/cache/p", EDQUOT, "");
        assertRefused(records, "/cache/c", EDQUOT, "");
        assertRefused(records, "/cache/w", EDQUOT, "");
        assertEquals(0, run.result().exitCode(), run.result()::describe);
    }

    /**
     * Files held open for writing (one mmap'ed) while the host makes their subtrees read-only and hidden: the
     * cached writes are refused at writeback (EROFS, ENOENT, recorded so), the host keeps its bytes. Disabled: the
     * Debian 6.1 guest kernel then fails an FS-Cache assertion at umount (kernel BUG in v9fs_evict_inode) and hangs
     * until the harness times out (docs/filesystem.md, "Writes the page cache holds"); a kernel matter, not the
     * gateway's, kept here to try newer guest kernels with.
     */
    @Test
    @Disabled("guest kernel 6.1: FS-Cache BUG at umount after refused writeback of held files (docs/filesystem.md)")
    void filesHeldOpenAcrossAPolicyChangeKeepTheirBytes() throws Exception {
        Hostile run = runHostile(true);
        Path data = run.data();
        assertTrue(Files.readString(data.resolve("hold-ro/f")).startsWith("before"), "no write after read-only");
        assertTrue(Files.readString(data.resolve("hold-hidden/f")).startsWith("before"), "no write after hidden");
        assertTrue(Files.readString(data.resolve("hold-ro/m")).startsWith("before"), "no mmap writeback after");
        List<AuditRecord> records = run.records();
        assertRefused(records, "/hold-ro/f", EROFS, "action=write");
        assertRefused(records, "/hold-hidden/f", ENOENT, "action=write");
        assertRefused(records, "/hold-ro/m", EROFS, "action=write");
        assertEquals(0, run.result().exitCode(), run.result()::describe);
    }

    /**
     * The scenario above through a shared writable map with cache=mmap, which keeps no FS-Cache cookie (the 6.1 BUG
     * above is cache=loose's): the map's write after /hold-ro became read-only surfaces at msync as EROFS (and fsync,
     * write), the host keeps its bytes, the guest reads them back, recorded as refusals, and the guest unmounts.
     */
    @Test
    void anMmapWriteAfterAReloadIsRefusedAtMsync() throws Exception {
        GuestHarness harness = GuestHarness.locate();
        SignedAlpha alpha = SignedAlpha.in(tmp);
        PolicyFixture fx = alpha.fixture();
        Files.createDirectories(fx.data.resolve("hold-ro"));
        Files.createDirectories(fx.data.resolve("hold-hidden"));
        Files.createDirectories(fx.data.resolve("signal"));
        Files.writeString(fx.data.resolve("hold-ro/m"), "x".repeat(4096));
        Path helper = HostBuild.guestBinary("mmap-reload-helper");
        GuestRun run = GuestRun.script(RepoPaths.guestScripts().resolve("mmap-reload.sh"))
                .withMountOpts("cache=mmap")
                .withTimeout(Duration.ofSeconds(120))
                .withBin(helper)
                .withEnv("MMAP_HELPER", helper.toString());
        GuestResult result = alpha.run(harness, "p9gate-mmap-reload", run, h -> protect(alpha, h));

        Map<String, String> want = new LinkedHashMap<>();
        for (String step : List.of("mmap-open", "mmap-map", "mmap-msync-before")) {
            want.put(step, "OK");
        }
        want.put("mmap-msync-after", "EROFS");
        want.put("mmap-fsync-after", "EROFS");
        want.put("mmap-munmap", "OK");
        want.put("mmap-write-after", "EROFS");
        want.put("mmap-close", "OK");
        want.put("mmap-reads", "before");
        want.put("mmap-reads-dropped", "before");
        ExpectedMarks.assertMarks(want, result.marks(), result::describe);
        assertEquals(0, result.exitCode(), result::describe);
        assertFalse(result.output().contains("9pnet"), result::describe);
        assertTrue(Files.readString(fx.data.resolve("hold-ro/m")).startsWith("before"), "no mmap writeback after");
        SignedLogs.Verified verified = alpha.logs().verify();
        assertEquals(0, verified.exit(), verified.output());
        assertRefused(alpha.logs().records(), "/hold-ro/m", EROFS, "action=write");
    }

    /** One guest run of hostile.sh, the host's share and the verified log afterwards. */
    private record Hostile(GuestResult result, Path data, List<AuditRecord> records) {}

    private Hostile runHostile(boolean hold) throws Exception {
        GuestHarness harness = GuestHarness.locate();
        SignedAlpha alpha = SignedAlpha.in(tmp);
        PolicyFixture fx = alpha.fixture();
        Path data = fx.data;
        Files.createDirectories(data.resolve("hold-ro"));
        Files.createDirectories(data.resolve("hold-hidden"));
        Files.createDirectories(data.resolve("signal"));
        for (String held : List.of("hold-ro/f", "hold-hidden/f", "hold-ro/m")) {
            Files.writeString(data.resolve(held), "x".repeat(4096));
        }
        Path helper = HostBuild.guestBinary("hostile-helper");
        GuestRun run = GuestRun.script(RepoPaths.guestScripts().resolve("hostile.sh"))
                .withMountOpts("cache=loose")
                .withTimeout(Duration.ofSeconds(150))
                .withBin(helper)
                .withEnv("HOSTILE_HELPER", helper.toString());
        GuestResult result = hold
                ? alpha.run(harness, "p9gate-hostile-hold", run.withEnv("HOSTILE_HOLD", "1"), h -> protect(alpha, h))
                : alpha.run(harness, "p9gate-hostile", run);

        Map<String, String> seen = result.marks();
        assertTrue(seen.containsKey("done"), result::describe);
        assertFalse(result.output().contains("9pnet"), result::describe);
        Map<String, String> want = expected();
        if (hold) {
            want.put("held-after-reload", "fsync:EROFS fsync:ENOENT msync:EROFS");
        }
        ExpectedMarks.assertMarks(want, seen, result::describe);

        // The host: nothing protected changed, nothing made where it may not be.
        assertEquals("tiles", Files.readString(data.resolve("base/map.db")));
        assertEquals(List.of("map.db"), names(data.resolve("base")));
        assertEquals("s3cret", Files.readString(data.resolve("secret/key")));
        assertEquals(List.of("key"), names(data.resolve("secret")));
        assertEquals(
                List.of(
                        "base",
                        "big",
                        "cache",
                        "hold-hidden",
                        "hold-ro",
                        "mine",
                        "moved-in",
                        "notes.txt",
                        "secret",
                        "signal",
                        "via-symlink"),
                names(data),
                "no stolen name, link, device or script in the root");
        String xattrs = hostXattrs(data.resolve("mine"));
        assertFalse(xattrs.matches("(?s).*(security|trusted|system|p9gate).*"), xattrs);

        SignedLogs logs = alpha.logs();
        SignedLogs.Verified verified = logs.verify();
        assertEquals(0, verified.exit(), verified.output());
        return new Hostile(result, data, logs.records());
    }

    /** Once the guest holds its files: /hold-ro becomes read-only and /hold-hidden hidden, then "go". */
    private static void protect(SignedAlpha alpha, PolicyHolder holder) throws Exception {
        alpha.reloadWhenReady(holder, Duration.ofMinutes(3), "/hold-ro", "/hold-hidden");
    }

    /** A refusal (a deny, or an allow answered with an errno) of {@code path} with {@code errno}, its detail naming {@code word}. */
    private static void assertRefused(List<AuditRecord> records, String path, int errno, String word) {
        assertTrue(
                records.stream()
                        .anyMatch(r -> r.refused()
                                && path.equals(r.path())
                                && r.errno() == errno
                                && String.valueOf(r.detail()).contains(word)),
                () -> "no refusal of " + path + " with errno " + errno + " and '" + word + "'; recorded there: "
                        + records.stream()
                                .filter(r -> path.equals(r.path()))
                                .map(r -> r.op() + " " + r.decision() + " " + r.errno() + " " + r.detail())
                                .toList());
    }

    /** Every xattr name and value the host has on {@code file}, all namespaces (Java sees only user.*). */
    private static String hostXattrs(Path file) throws IOException, InterruptedException {
        Process getfattr = new ProcessBuilder("getfattr", "--absolute-names", "-d", "-m", "-", file.toString())
                .redirectErrorStream(true)
                .start();
        String out = new String(getfattr.getInputStream().readAllBytes());
        getfattr.waitFor();
        return out;
    }
}
