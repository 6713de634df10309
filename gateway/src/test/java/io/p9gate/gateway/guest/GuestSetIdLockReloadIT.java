package io.p9gate.gateway.guest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.audit.read.AuditRecord;
import io.p9gate.gateway.auditing.SignedLogs;
import io.p9gate.gateway.policyadapter.PolicyReloader;
import io.p9gate.policy.PolicyHolder;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kept set-id bits (fs.SetIdBits) and a lock released by a reload, through two real Linux clients on one gateway and
 * one folder (setid-lock.sh): VM a mounted cache=loose (the guest kernel clears set-id itself before a cached write,
 * by a Tsetattr), VM b cache=none (the gateway clears them at the Twrite). In each: a non-root write or truncate
 * clears set-uid, root's write keeps it, install -m 4755, cp -p and tar x of a set-uid file read back 4755, a chown
 * clears it; the host files never carry the bits. VM b's root, shown VM a's set-uid file without the bit, appends to
 * it: VM a sees it cleared. Last, VM a holds a write lock that VM b waits for (F_SETLKW); a reload makes the file
 * read-only for a: the gateway makes a's write lock a read lock (recorded {@code released=reload kept=read}), a's own
 * later lock calls answer cleanly (its write lock again EROFS, unlock and read lock OK, close OK), and b's wait ends
 * with the lock once a's locks are gone.
 */
class GuestSetIdLockReloadIT {
    private static final int ENOENT = 2;
    private static final int EAGAIN = 11;
    private static final int EROFS = 30;
    private static final int ENODATA = 61;
    private static final int EOPNOTSUPP = 95;

    @TempDir
    Path tmp;

    @Test
    void keptSetIdBitsAndALockAReloadReleasesBehaveThroughTheRealClient() throws Exception {
        GuestHarness harness = GuestHarness.locate();
        Path common = PosixScript.traversableDir(tmp.resolve("common"));
        Files.createDirectories(common.resolve("sync"));
        Files.createDirectories(common.resolve("shared"));
        Files.writeString(common.resolve("shared/lk"), "data\n");
        Files.setPosixFilePermissions(
                common.resolve("shared/lk"), java.nio.file.attribute.PosixFilePermissions.fromString("rw-rw-rw-"));
        Path policyFile = tmp.resolve("policy.yaml");
        Files.writeString(policyFile, twoVms(tmp, common, ""));
        SignedLogs logs = SignedLogs.in(tmp.resolve("audit"));
        Path helper = HostBuild.guestBinary("setid-lock-helper");
        Path script = RepoPaths.composed(tmp.resolve("script"), "marks.sh", "setid-lock.sh");
        GuestResult a;
        GuestResult b;
        try (TwoGuestGateway gateway = new TwoGuestGateway(harness, policyFile, logs, "setid-lock")) {
            // As p9gate serve wires it (cli.PolicyServe.closeTakenShares): each reload taken re-decides held locks.
            PolicyReloader reloader = new PolicyReloader(gateway.holder());
            reloader.onReload(result -> {
                if (result instanceof PolicyHolder.ReloadResult.Loaded) {
                    gateway.shares().releaseLocksRefusedNow(Set.of());
                }
            });
            CompletableFuture<GuestResult> first =
                    gateway.boot("p9gate-setid-lock-a", tmp.resolve("a.sock"), run(script, "a", "cache=loose", helper));
            GuestBoots.awaitBoot(common.resolve("sync/a-ready"), first);
            CompletableFuture<GuestResult> second = gateway.boot(
                    "p9gate-setid-lock-b", tmp.resolve("b.sock"), run(script, "b", "cache=none,locktimeout=1", helper));
            if (GuestBoots.awaitFile(common.resolve("sync/b-waiting"), Duration.ofMinutes(4), second)) {
                Files.writeString(policyFile, twoVms(tmp, common, "        read-only: [/shared/lk]\n"));
                assertInstanceOf(PolicyHolder.ReloadResult.Loaded.class, reloader.reload());
            }
            Files.createFile(common.resolve("sync/go"));
            b = second.join();
            a = first.join();
        }

        for (GuestResult guest : List.of(a, b)) {
            assertEquals(0, guest.exitCode(), guest::describe);
            assertFalse(guest.output().contains("9pnet"), guest::describe);
        }
        Map<String, String> want = new LinkedHashMap<>();
        for (String vm : List.of("a", "b")) {
            want.put(vm + "-nonroot-append", "777");
            want.put(vm + "-nonroot-truncate", "777");
            want.put(vm + "-sgid-gx-append", "777");
            want.put(vm + "-root-append", "4777");
            want.put(vm + "-install", "4755");
            want.put(vm + "-cp-p", "4755");
            want.put(vm + "-tar-x", "4755");
            want.put(vm + "-chown", "755");
            want.put(vm + "-done", "");
        }
        want.put("a-x-own", "4777");
        want.put("b-x-shown", "777"); // a's bit is not shown to b: b's map does not name the owner
        want.put("b-x-append", "0");
        want.put("a-x-after-b", "777");
        want.put("hold-open", "OK");
        want.put("hold-lock", "OK");
        want.put("wait-open", "OK");
        want.put("wait-lock", "OK");
        want.put("wait-unlock", "OK");
        want.put("wait-close", "OK");
        want.put("hold-relock", "EROFS");
        want.put("hold-unlock", "OK");
        want.put("hold-rdlock", "OK");
        want.put("hold-close", "OK");
        Map<String, String> seen = new LinkedHashMap<>(a.marks());
        seen.putAll(b.marks());
        ExpectedMarks.assertMarks(want, seen, () -> a.describe() + "\n" + b.describe());

        // The host files never carry set-id bits; a's x lost its kept bit to b's write.
        for (String file : List.of("a/f", "a/r", "a/inst", "a/cpp", "b/r", "b/inst", "b/cpp", "a/x")) {
            assertEquals(0, hostMode(common.resolve(file)) & 06000, file);
        }
        assertFalse(hasXattr(common.resolve("a/x"), "user.p9gate.setid"), "a/x keeps no set-id bit after b's write");

        SignedLogs.Verified verified = logs.verify();
        assertEquals(0, verified.exit(), verified.output());
        List<AuditRecord> records = logs.records();
        long released = records.stream()
                .filter(r -> "a".equals(r.vm())
                        && "lock".equals(r.op())
                        && "/shared/lk".equals(r.path())
                        && r.errno() == EROFS
                        && AuditRecord.hasDetailWord(r.detail(), "released=reload"))
                .mapToLong(AuditRecord::seq)
                .findFirst()
                .orElseThrow(() -> new AssertionError("no released=reload record of a's lock"));
        assertTrue(
                records.stream()
                        .anyMatch(r -> "b".equals(r.vm())
                                && "lock".equals(r.op())
                                && "/shared/lk".equals(r.path())
                                && r.seq() > released
                                && AuditRecord.hasDetailWord(r.detail(), "type=1")),
                "b asked for the write lock again after a's was released");
        List<String> refusedB = records.stream()
                .filter(r -> "b".equals(r.vm()) && r.refused() && r.errno() != EAGAIN && r.errno() != ENOENT)
                // The kernel asks security.capability at each write (none: ENODATA); install sets an ACL, which the
                // gateway does not keep (EOPNOTSUPP, docs/filesystem.md).
                .filter(r -> !(r.errno() == ENODATA && "xattrwalk".equals(r.op())))
                .filter(r ->
                        !(r.errno() == EOPNOTSUPP && String.valueOf(r.detail()).contains("system.posix_acl")))
                .map(r -> r.op() + " " + r.path() + " " + r.decision() + " " + r.errno() + " " + r.detail())
                .toList();
        assertEquals(
                List.of(),
                refusedB,
                "b was refused nothing but blocked locks, names not made yet and what no write needs");
    }

    private static GuestRun run(Path script, String role, String mountOpts, Path helper) {
        return GuestRun.script(script)
                .withMountOpts(mountOpts)
                .withTimeout(Duration.ofSeconds(240))
                .withBin(helper)
                .withBin(Path.of("/usr/bin/install"))
                .withEnv("SL_HELPER", helper.toString())
                .withEnv("ROLE", role);
    }

    /**
     * VMs a (host ids 200000+) and b (300000+) on {@code tmp}'s a.sock and b.sock, each sharing {@code common} as car,
     * read-write; {@code aExtra} is lines of YAML after a's share (its read-only list, GuestGetlkSetIdIT's limits).
     */
    static String twoVms(Path tmp, Path common, String aExtra) {
        return """
                image: test
                vms:
                  a:
                    listen: unix:%1$s
                    ids:
                      uid: {ranges: [{guest: 0, host: 200000, count: 65536}]}
                      gid: {ranges: [{guest: 0, host: 200000, count: 65536}]}
                    shares:
                      car:
                        path: %3$s
                        access: read-write
                %4$s  b:
                    listen: unix:%2$s
                    ids:
                      uid: {ranges: [{guest: 0, host: 300000, count: 65536}]}
                      gid: {ranges: [{guest: 0, host: 300000, count: 65536}]}
                    shares:
                      car:
                        path: %3$s
                        access: read-write
                """.formatted(tmp.resolve("a.sock"), tmp.resolve("b.sock"), common, aExtra);
    }

    static int hostMode(Path file) throws Exception {
        return (int) Files.getAttribute(file, "unix:mode", LinkOption.NOFOLLOW_LINKS);
    }

    private static boolean hasXattr(Path file, String name) throws Exception {
        Process getfattr = new ProcessBuilder("getfattr", "--absolute-names", "-n", name, file.toString())
                .redirectErrorStream(true)
                .start();
        getfattr.getInputStream().readAllBytes();
        return getfattr.waitFor() == 0;
    }
}
