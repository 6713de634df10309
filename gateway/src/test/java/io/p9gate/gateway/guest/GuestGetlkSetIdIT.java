package io.p9gate.gateway.guest;

import static io.p9gate.gateway.proto.LockConstants.LOCK_SUCCESS;
import static io.p9gate.gateway.proto.LockConstants.LOCK_TYPE_RDLCK;
import static io.p9gate.gateway.proto.LockConstants.LOCK_TYPE_UNLCK;
import static io.p9gate.gateway.proto.LockConstants.LOCK_TYPE_WRLCK;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.audit.read.AuditRecord;
import io.p9gate.gateway.auditing.SignedLogs;
import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.RMessage;
import io.p9gate.gateway.proto.TMessage;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * This session's lock and set-id changes through the real Linux client (getlk-setid.sh), VM a a guest, VM b a raw
 * client on the same folder. The Linux client sends every F_GETLK its own locks do not answer as a Tgetlock of type
 * UNLCK: the guest's F_GETLK sees b's write and read locks by type and range with l_pid 0, a range they leave free
 * and its own lock as no conflict, and nothing once b unlocked. The guest holds a file open for writing while the
 * host chmods it u+s: its next write takes the bit off the host inode (the gateway runs as root, CAP_FSETID) into a
 * kept bit (fs.SetIdBits), which the guest, the file's owner, still sees after its root's write. The guest's
 * setfattr past its xattr-bytes budget (ENOSPC) is recorded with the host ids a's map gives (the kernel refuses a
 * name past 255 bytes itself, so a guest reaches few of the gateway's own refusals). Last, the guest's
 * mv and rm storm on names b renames, unlinks and Tremoves at once (the per-name EntryLocks): nothing hangs, every
 * failure is a name gone, and the guest lists what the host holds.
 */
class GuestGetlkSetIdIT {
    private static final int O_RDWR = 2;

    @TempDir
    Path tmp;

    @Test
    void fGetlkSeesAnotherVmsLocksAndAWriteTakesTheHostsSetUidBit() throws Exception {
        GuestHarness harness = GuestHarness.locate();
        Path common = PosixScript.traversableDir(tmp.resolve("common"));
        Files.createDirectories(common.resolve("sync"));
        Files.createDirectories(common.resolve("shared"));
        Path lk = common.resolve("shared/lk");
        Files.writeString(lk, "data\n");
        Files.setPosixFilePermissions(lk, PosixFilePermissions.fromString("rw-rw-rw-"));
        Path policyFile = tmp.resolve("policy.yaml");
        Files.writeString(policyFile, GuestSetIdLockReloadIT.twoVms(tmp, common, "    limits: {xattr-bytes: 1KiB}\n"));
        Path helper = HostBuild.guestBinary("setid-lock-helper");
        Files.createDirectories(common.resolve("storm"));
        GuestResult a;
        List<String> stormErrors = List.of();
        SignedLogs logs = SignedLogs.in(tmp.resolve("audit"));
        try (TwoGuestGateway gateway = new TwoGuestGateway(harness, policyFile, logs, "getlk-setid");
                P9Client b = P9Client.open(UnixDomainSocketAddress.of(tmp.resolve("b.sock")), 65536)) {
            b.attach(0, "root", "car", 0);
            b.walk(0, 1, "shared", "lk");
            b.lopen(1, O_RDWR);
            assertEquals(LOCK_SUCCESS, lock(b, LOCK_TYPE_WRLCK, 10, 10));
            assertEquals(LOCK_SUCCESS, lock(b, LOCK_TYPE_RDLCK, 40, 10));
            CompletableFuture<GuestResult> guest = gateway.boot(
                    "p9gate-getlk-setid",
                    tmp.resolve("a.sock"),
                    GuestRun.script(RepoPaths.guestScripts().resolve("getlk-setid.sh"))
                            .withTimeout(Duration.ofSeconds(150))
                            .withBin(helper)
                            .withBin(Path.of("/usr/bin/setfattr"))
                            .withEnv("SL_HELPER", helper.toString()));
            if (GuestBoots.awaitFile(common.resolve("sync/asked"), Duration.ofMinutes(3), guest)) {
                assertEquals(LOCK_SUCCESS, lock(b, LOCK_TYPE_UNLCK, 0, 0));
                Files.createFile(common.resolve("sync/unlocked"));
            }
            if (GuestBoots.awaitFile(common.resolve("sync/sx-open"), Duration.ofMinutes(2), guest)) {
                HostBuild.run(
                        "chmod u+s",
                        List.of("chmod", "u+s", common.resolve("shared/sx").toString()));
                assertTrue(
                        (GuestSetIdLockReloadIT.hostMode(common.resolve("shared/sx")) & 04000) != 0,
                        "the host's chmod u+s took");
                Files.createFile(common.resolve("sync/sx-go"));
            }
            if (GuestBoots.awaitFile(common.resolve("sync/storm-go"), Duration.ofMinutes(2), guest)) {
                stormErrors = storm(b, common.resolve("sync/storm-done"));
                Files.createFile(common.resolve("sync/b-done"));
            }
            a = guest.join();
        }

        assertEquals(0, a.exitCode(), a::describe);
        assertFalse(a.output().contains("9pnet"), a::describe);
        Map<String, String> want = new LinkedHashMap<>();
        want.put("all", "WRLCK 10 10 0");
        want.put("gap", "UNLCK");
        want.put("rd", "RDLCK 40 10 0");
        want.put("own", "UNLCK");
        want.put("own-and-b", "WRLCK 10 10 0");
        want.put("after", "UNLCK");
        want.put("writes-first", "OK");
        want.put("writes-second", "OK");
        want.put("writes-close", "OK");
        want.put("sx-mode", "4755"); // taken as a kept bit: shown to its owner VM, whose root's write keeps it
        want.put("big-xattr", "No space left on device");
        want.put("storm-errors", "");
        want.put("storm-listing", hostListing(common.resolve("storm")));
        want.put("done", "");
        ExpectedMarks.assertMarks(want, a.marks(), a::describe);
        assertEquals(
                0,
                GuestSetIdLockReloadIT.hostMode(common.resolve("shared/sx")) & 06000,
                "the host file kept the set-uid bit");
        assertEquals(List.of(), stormErrors, "b's storm met only names gone");

        SignedLogs.Verified verified = logs.verify();
        assertEquals(0, verified.exit(), verified.output());
        List<AuditRecord> refused = logs.records().stream()
                .filter(r ->
                        "a".equals(r.vm()) && r.rules() != null && r.rules().contains("budget.xattr-bytes"))
                .toList();
        assertFalse(refused.isEmpty(), "no budget.xattr-bytes refusal recorded");
        for (AuditRecord r : refused) {
            // The kernel's fid is guest uid 0 with gid 65534 (its first attach's nobody): a's map, host + 200000.
            assertEquals(
                    List.of(r.guestUid() + 200000, r.guestGid() + 200000),
                    List.of(r.hostUid(), r.hostGid()),
                    "the refusal names the host ids a's map gives: " + r);
        }
    }

    /**
     * VM b renames m0/m1 onto n0..n2, unlinks n0..n2 and Tremoves m0/m1 until the guest's storm is done: the errnos
     * other than ENOENT (a name the guest moved or removed first).
     */
    private static List<String> storm(P9Client b, Path done) throws Exception {
        b.walk(0, 2, "storm");
        List<String> errors = new ArrayList<>();
        int served = 0;
        for (int i = 0; !Files.exists(done) && i < 20_000; i++) {
            String m = "m" + (i % 2);
            String n = "n" + (i % 3);
            try {
                switch (i % 3) {
                    case 0 -> b.renameat(2, m, 2, n);
                    case 1 -> b.unlinkat(2, n, 0);
                    default -> {
                        b.walk(2, 3, m);
                        b.remove(3);
                    }
                }
                served++;
            } catch (P9Exception e) {
                if (e.errno() != Errno.ENOENT) {
                    errors.add(i % 3 + " " + m + " " + n + " " + e.errno());
                }
            }
        }
        System.out.println("GuestGetlkSetIdIT: b's storm, " + served + " requests done, " + errors.size() + " refused");
        return errors;
    }

    /** The files of {@code dir} sorted by name as the guest prints them: {@code name=content,}. */
    private static String hostListing(Path dir) throws Exception {
        StringBuilder listing = new StringBuilder();
        try (var files = Files.list(dir)) {
            for (Path f : files.sorted().toList()) {
                listing.append(f.getFileName())
                        .append('=')
                        .append(Files.readString(f).strip())
                        .append(',');
            }
        }
        return listing.toString();
    }

    private static int lock(P9Client client, int type, long start, long length) throws Exception {
        return ((RMessage.Rlock) client.rpc(new TMessage.Tlock(1, type, 0, start, length, 4242, "b-ecu"))).status();
    }
}
