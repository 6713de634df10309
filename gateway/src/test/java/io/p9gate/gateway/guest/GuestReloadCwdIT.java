package io.p9gate.gateway.guest;

import static io.p9gate.gateway.guest.HostListing.names;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.p9gate.audit.read.AuditRecord;
import io.p9gate.gateway.auditing.SignedLogs;
import io.p9gate.gateway.policyadapter.PolicyFixture;
import io.p9gate.policy.PolicyHolder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A guest shell whose cwd is inside /gone, with gone/f read and held open under cache=loose (dentries, attributes and
 * pages cached in the guest), while the host makes /gone hidden and /ro read-only (reload-cwd.sh). Afterwards nothing
 * reaches the host files through the cwd's or the cached names' fids: no listing, open, create, move or link in /gone
 * (ENOENT, recorded so), a Tread through a fid opened before the reload is refused once the guest's pages are dropped,
 * nothing changes in /ro (EROFS). Also: mv of a directory into its own child is the guest VFS's EINVAL (no rename
 * reaches the gateway), and the reserved {@code user.p9gate.*} xattrs are neither listed, read nor removed.
 */
class GuestReloadCwdIT {
    private static final String ENOENT = "No such file or directory";
    private static final String EROFS = "Read-only file system";

    @TempDir
    Path tmp;

    @Test
    void aCwdAndCachedNamesInASubtreeHiddenByAReloadReachNothing() throws Exception {
        GuestHarness harness = GuestHarness.locate();
        SignedAlpha alpha = SignedAlpha.in(tmp);
        PolicyFixture fx = alpha.fixture();
        Files.createDirectories(fx.data.resolve("gone/sub"));
        Files.createDirectories(fx.data.resolve("ro"));
        Files.createDirectories(fx.data.resolve("signal"));
        Files.writeString(fx.data.resolve("gone/f"), "gone-data\n");
        Files.writeString(fx.data.resolve("gone/sub/g"), "sub-data\n");
        Files.writeString(fx.data.resolve("ro/f"), "ro-data\n");
        GuestRun run = GuestRun.script(RepoPaths.guestScripts().resolve("reload-cwd.sh"))
                .withMountOpts("cache=loose")
                .withTimeout(Duration.ofSeconds(120))
                .withBin(Path.of("/usr/bin/getfattr"))
                .withBin(Path.of("/usr/bin/setfattr"));
        GuestResult result = alpha.run(harness, "p9gate-reload-cwd", run, h -> protect(alpha, h));

        Map<String, String> want = new LinkedHashMap<>();
        want.put("cwd-ls", ENOENT);
        want.put("cwd-cat", ENOENT);
        want.put("cwd-cat-sub", ENOENT);
        want.put("cwd-touch", ENOENT);
        want.put("cwd-mkdir", ENOENT);
        want.put("cwd-mv", ENOENT);
        want.put("cwd-ln", ENOENT);
        // Pages the guest cached before the reload are its own kernel's to serve (no Tread reaches the gateway) ...
        want.put("held-read-cached", "OK:gone-data,");
        // ... once dropped, a Tread through a fid opened before the reload is decided now: hidden.
        want.put("held-read-dropped", ENOENT);
        want.put("root-ls", "OK:base,cache,notes.txt,ro,signal,");
        want.put("root-ls-gone", ENOENT);
        want.put("root-cat", ENOENT);
        want.put("ro-touch", EROFS);
        want.put("ro-rm", EROFS);
        want.put("ro-new", EROFS);
        want.put("mv-into-child", "Invalid argument");
        want.put("setid-mode", "4755");
        want.put("xattr-list", "0");
        want.put("xattr-get", "No such attribute");
        want.put("xattr-remove", "Operation not permitted");
        want.put("setid-mode-after", "4755");
        want.put("done", "");
        ExpectedMarks.assertMarks(want, result.marks(), result::describe);
        assertEquals(0, result.exitCode(), result::describe);
        assertFalse(result.output().contains("9pnet"), result::describe);

        assertEquals(List.of("f", "sub"), names(fx.data.resolve("gone")), "nothing made in /gone");
        assertEquals(List.of("f"), names(fx.data.resolve("ro")), "nothing made or removed in /ro");
        assertEquals(
                List.of("base", "cache", "gone", "notes.txt", "ro", "secret", "signal", "sx"),
                names(fx.data),
                "nothing moved or linked out of /gone");
        SignedLogs.Verified verified = alpha.logs().verify();
        assertEquals(0, verified.exit(), verified.output());
        List<AuditRecord> records = alpha.logs().records();
        // Each refusal recorded with the errno the guest got.
        assertEquals(
                List.of("read 2"),
                refusals(records, "/gone/sub/g", "read").stream().distinct().toList());
        List<Integer> goneErrnos = records.stream()
                .filter(r -> r.refused() && String.valueOf(r.path()).startsWith("/gone"))
                .map(AuditRecord::errno)
                .distinct()
                .toList();
        assertEquals(List.of(2), goneErrnos, "every refusal in /gone is the ENOENT the guest got");
        assertEquals(List.of("setattr 30"), refusals(records, "/ro/f", "setattr"));
        assertEquals(List.of("xattrcreate 1"), refusals(records, "/sx", "xattrcreate"));
        // mv into its own child: the guest's VFS answers EINVAL, no rename reaches the gateway.
        assertEquals(
                List.of(),
                records.stream()
                        .filter(r -> String.valueOf(r.path()).startsWith("/d1") && r.op().startsWith("rename"))
                        .map(AuditRecord::op)
                        .toList());
    }

    /** "op errno" of each refusal of {@code op} at {@code path}. */
    private static List<String> refusals(List<AuditRecord> records, String path, String op) {
        return records.stream()
                .filter(r -> r.refused() && path.equals(r.path()) && op.equals(r.op()))
                .map(r -> r.op() + " " + r.errno())
                .toList();
    }

    /** Once the guest sits in /gone: /gone becomes hidden and /ro read-only, then "go". */
    private static void protect(SignedAlpha alpha, PolicyHolder holder) throws Exception {
        alpha.reloadWhenReady(holder, Duration.ofMinutes(2), "/ro", "/gone");
    }
}
