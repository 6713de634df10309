package io.p9gate.gateway.guest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.audit.read.AuditRecord;
import io.p9gate.gateway.auditing.SignedLogs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every system call family a policy refuses, made once each by the real Linux client (6.1) on {@link SignedAlpha}'s
 * VM alpha (denied-ops.sh with denied-ops-helper): in the read-only /base each gets EROFS, in the hidden /secret
 * ENOENT (also a create, link, symlink, mknod or rename onto the hidden name itself), and by the no-scripts rule
 * (CREATE, OPEN_WRITE of *.sh) EACCES for every call that makes a name, mkdir alone excepted (MKDIR is its own op),
 * as docs/policy.md says. The host keeps /base and /secret as they were, and the signed log verifies. Once per
 * dialect: under 9P2000.u and 9P2000 the same, but for what their client refuses itself ({@link #theLegacyClientsOwn}).
 */
class GuestDeniedOpsIT {
    private static final List<String> READ_ONLY = List.of(
            "ro-open-write",
            "ro-open-trunc",
            "ro-creat",
            "ro-mkdir",
            "ro-rmdir",
            "ro-unlink",
            "ro-unlink-deep",
            "ro-truncate",
            "ro-rename-within",
            "ro-rename-out",
            "ro-rename-dir-out",
            "ro-rename-in",
            "ro-rename-root",
            "ro-link-in",
            "ro-link-out",
            "ro-symlink",
            "ro-chmod",
            "ro-chmod-root",
            "ro-chown",
            "ro-utimes",
            "ro-setxattr",
            "ro-removexattr",
            "ro-mknod",
            "ro-rmdir-root");
    private static final List<String> HIDDEN = List.of(
            "hd-stat",
            "hd-opendir",
            "hd-stat-deep",
            "hd-open-write",
            "hd-creat",
            "hd-creat-name",
            "hd-mkdir",
            "hd-mkdir-name",
            "hd-rmdir",
            "hd-unlink",
            "hd-truncate",
            "hd-rename-out",
            "hd-rename-dir",
            "hd-rename-in",
            "hd-rename-onto",
            "hd-link-out",
            "hd-link-onto",
            "hd-symlink-in",
            "hd-symlink-onto",
            "hd-chmod",
            "hd-chown",
            "hd-utimes",
            "hd-setxattr",
            "hd-removexattr",
            "hd-mknod",
            "hd-mknod-name");

    @TempDir
    Path tmp;

    @ParameterizedTest
    @ValueSource(strings = {"9p2000.L", "9p2000.u", "9p2000"})
    void everyFamilyOfDeniedCallGetsTheDocumentedErrno(String dialect) throws Exception {
        GuestHarness harness = GuestHarness.locate();
        SignedAlpha alpha = SignedAlpha.in(tmp);
        Path data = alpha.fixture().data;
        Files.createDirectories(data.resolve("base/empty"));
        Files.createDirectories(data.resolve("base/sub"));
        Files.writeString(data.resolve("base/sub/f"), "f");
        Files.createDirectories(data.resolve("secret/sub"));
        Files.writeString(data.resolve("secret/sub/f"), "f");
        Object owner = Files.getAttribute(data.resolve("base/map.db"), "unix:uid");
        Path helper = HostBuild.guestBinary("denied-ops-helper");
        GuestRun run = GuestRun.script(RepoPaths.composed(tmp.resolve("script"), "marks.sh", "denied-ops.sh"))
                .withTimeout(Duration.ofSeconds(120))
                .withBin(helper)
                .withEnv("DENIED_HELPER", helper.toString())
                .withDialect(dialect);
        GuestResult result = alpha.run(harness, "p9gate-denied-ops-" + dialect, run);

        Map<String, String> seen = result.marks();
        assertTrue(seen.containsKey("done"), result::describe);
        assertFalse(result.output().contains("9pnet"), result::describe);
        Map<String, String> want = new LinkedHashMap<>();
        READ_ONLY.forEach(name -> want.put(name, "EROFS"));
        want.put("ro-content", "tiles");
        HIDDEN.forEach(name -> want.put(name, "ENOENT"));
        want.put("hd-listing", "base cache n1 notes.txt");
        want.put("dr-creat", "EACCES");
        want.put("dr-mknod", "EACCES");
        want.put("dr-mkdir", "OK");
        want.put("dr-symlink", "EACCES");
        want.put("dr-link", "EACCES");
        want.put("dr-rename", "EACCES");
        want.put("dr-listing", "base cache dir.sh n1 notes.txt plain");
        want.putAll(theLegacyClientsOwn(dialect));
        ExpectedMarks.assertMarks(want, seen, result::describe);
        assertEquals(0, result.exitCode(), result::describe);

        assertEquals(List.of("empty", "map.db", "sub"), HostListing.names(data.resolve("base")));
        assertEquals("tiles", Files.readString(data.resolve("base/map.db")));
        assertEquals(owner, Files.getAttribute(data.resolve("base/map.db"), "unix:uid"));
        assertEquals(List.of("key", "sub"), HostListing.names(data.resolve("secret")));
        assertEquals("s3cret", Files.readString(data.resolve("secret/key")));
        SignedLogs logs = alpha.logs();
        SignedLogs.Verified verified = logs.verify();
        assertEquals(0, verified.exit(), verified.output());
        List<AuditRecord> records = logs.records();
        assertTrue(
                records.stream().anyMatch(r -> r.refused() && "/base/map.db".equals(r.path())),
                "the refusals in /base are recorded");
    }

    /**
     * What the legacy dialects' client answers itself, before any request reaches the gateway: it renames only within
     * a directory (EXDEV) and has no xattrs (EOPNOTSUPP); under 9P2000 it has no extension to make a link, symlink or
     * device with (EPERM) and names no numeric owner, so a chown is a Twstat that changes nothing, which succeeds.
     */
    private static Map<String, String> theLegacyClientsOwn(String dialect) {
        Map<String, String> own = new LinkedHashMap<>();
        if (dialect.equals("9p2000.L")) {
            return own;
        }
        List.of("ro-rename-out", "ro-rename-dir-out", "ro-rename-in").forEach(name -> own.put(name, "EXDEV"));
        List.of("ro-setxattr", "ro-removexattr").forEach(name -> own.put(name, "EOPNOTSUPP"));
        if (dialect.equals("9p2000")) {
            List.of(
                            "ro-link-in",
                            "ro-link-out",
                            "ro-symlink",
                            "ro-mknod",
                            "hd-link-onto",
                            "hd-symlink-onto",
                            "hd-mknod-name",
                            "dr-mknod",
                            "dr-symlink",
                            "dr-link")
                    .forEach(name -> own.put(name, "EPERM"));
            own.put("ro-chown", "OK");
        }
        return own;
    }
}
