package io.p9gate.gateway.guest;

import static io.p9gate.gateway.testing.Processes.run;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.auditing.SignedLogs;
import io.p9gate.gateway.policyadapter.PolicyQuotas;
import io.p9gate.policy.quota.Usage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * This session's truncate, quota-rename and overmount changes through the real Linux client, the gateway as root
 * (truncate-quota-overmount.sh; VM a, one guest with extra virtio-serial ports, each another connection of the VM):
 * files the host made set-uid lose the bit on the host at a guest's truncate, O_TRUNC open and write, while the
 * guest's root keeps seeing it as Linux's root would and uid 1000's clears it, also when the host's chmod comes after
 * the guest looked, and through a 9P2000.u mount, which shows host times outside its u32 clamped; mv of temp files
 * onto four names from two sessions while a third shell rm's them leaves the quota count a restart's scan finds (the
 * gateway's books, and the guest's stat -f after its fids are dropped); a tmpfs the host mounts over a share after
 * the first mount makes the next mount of it fail (ESTALE) while the first keeps reading and writing (but a user
 * first using it then, a new Tattach on its session under access=user, gets ESTALE too), and once unmounted a third
 * mount works.
 */
class GuestTruncateQuotaOvermountIT {
    private static final int ESTALE = 116;
    private static final long QUOTA_BYTES = 4L << 20;
    private static final long QUOTA_INODES = 64;
    private static final List<String> PORTS = List.of("u", "q2", "o1", "o2", "o3");

    @TempDir
    Path tmp;

    @Test
    void truncatesQuotaRenamesAndAnOvermountedShareThroughTheRealClient() throws Exception {
        GuestHarness harness = GuestHarness.locate();
        Path common = PosixScript.traversableDir(tmp.resolve("common"));
        Path over = PosixScript.traversableDir(tmp.resolve("over"));
        Files.createDirectories(common.resolve("sync"));
        Files.createDirectories(common.resolve("q"));
        Path sid = Files.createDirectories(common.resolve("sid"));
        Map<String, String> hostMade = Map.of(
                "rt", "4644", "ro", "4644", "rw", "4644", "ut", "4666", "uo", "4666", "uw", "4666", "u-rt", "4644",
                "u-ut", "4666");
        for (Map.Entry<String, String> file : hostMade.entrySet()) {
            Path f = Files.writeString(sid.resolve(file.getKey()), "data\n");
            Files.setAttribute(f, "unix:uid", 201000);
            Files.setAttribute(f, "unix:gid", 201000);
            assertEquals(0, run("chmod", file.getValue(), f.toString()), "host chmod " + f);
        }
        Files.setLastModifiedTime(Files.createFile(common.resolve("far")), FileTime.from(5_000_000_000L, SECONDS));
        Files.setLastModifiedTime(Files.createFile(common.resolve("old")), FileTime.from(-100, SECONDS));
        Path policyFile = Files.writeString(tmp.resolve("policy.yaml"), policy(common, over));
        Path helper = HostBuild.guestBinary("setid-lock-helper");
        GuestRun run = GuestRun.script(RepoPaths.guestScripts().resolve("truncate-quota-overmount.sh"))
                .withAname("car")
                .withTimeout(Duration.ofSeconds(240))
                .withBin(helper)
                .withEnv("SL_HELPER", helper.toString());
        SignedLogs logs = SignedLogs.in(tmp.resolve("audit"));
        Path sync = common.resolve("sync");
        GuestResult a;
        List<String> tmpfsHeld = List.of();
        boolean mounted = false;
        PolicyQuotas books;
        TwoGuestGateway gateway = new TwoGuestGateway(harness, policyFile, logs, "truncate-quota-overmount");
        try (gateway) {
            books = gateway.quotas();
            CompletableFuture<GuestResult> guest = gateway.boot(
                    "p9gate-truncate-quota-overmount",
                    tmp.resolve("a.sock"),
                    run,
                    GuestHarness.extraPorts(tmp.resolve("a.sock"), PORTS));
            if (GuestBoots.awaitFile(sync.resolve("late-ready"), Duration.ofMinutes(3), guest)) {
                assertEquals(
                        0,
                        run(
                                "chmod",
                                "u+s",
                                sid.resolve("late-t").toString(),
                                sid.resolve("late-o").toString()));
                Files.createFile(sync.resolve("late-go"));
            }
            try {
                if (GuestBoots.awaitFile(sync.resolve("o1-mounted"), Duration.ofMinutes(3), guest)) {
                    mounted = run("mount", "-t", "tmpfs", "over-share", over.toString()) == 0;
                    if (!mounted) {
                        Files.createFile(sync.resolve("tmpfs-none")); // not root here: the guest skips the mount
                    }
                    Files.createFile(sync.resolve("tmpfs-on"));
                }
                if (GuestBoots.awaitFile(sync.resolve("o2-done"), Duration.ofMinutes(2), guest) && mounted) {
                    tmpfsHeld = HostListing.names(over);
                }
            } finally {
                if (mounted) {
                    assertEquals(0, run("umount", "-l", over.toString()), "umount of the tmpfs");
                }
            }
            Files.createFile(sync.resolve("tmpfs-off"));
            a = guest.join();
        }

        assertEquals(0, a.exitCode(), a::describe);
        assertFalse(a.output().contains("9pnet"), a::describe);
        System.out.println("GuestTruncateQuotaOvermountIT: the mount during the overmount printed: "
                + a.marks().get("o2-mount"));
        Usage rescan = new PolicyQuotas(gateway.holder().current())
                .usage("a")
                .values()
                .iterator()
                .next();
        Map<String, String> want = new LinkedHashMap<>();
        want.put("rt", "4644"); // root truncates, opens with O_TRUNC and appends: kept, as Linux's root keeps them
        want.put("ro", "4644");
        want.put("rw", "4644");
        want.put("ut", "666"); // uid 1000 does: cleared
        want.put("uo", "666");
        want.put("uw", "666");
        want.put("own-truncate", "4755");
        want.put("own-otrunc", "4755");
        want.put("own-write", "4755");
        want.put("late-t-before", "666");
        want.put("late-t-shown", "4666");
        want.put("late-t", "4666");
        want.put("late-o", "666");
        want.put("u-rt", "4644");
        want.put("u-ut", "666");
        want.put("u-far", "4294967294"); // 9P2000.u's u32 times: clamped, not wrapped
        want.put("u-old", "0");
        want.put("quota-errors", "");
        String blockSize = a.marks().getOrDefault("quota-statfs", "0 0 4096").split(" ")[2];
        want.put(
                "quota-statfs",
                (QUOTA_BYTES - rescan.bytes()) / Long.parseLong(blockSize) + " " + (QUOTA_INODES - rescan.inodes())
                        + " " + blockSize);
        want.put("o2-mounted", mounted ? "0" : null);
        // A session's later Tattach (o1 mounted access=user: one per guest user) is a new attach: ESTALE meanwhile.
        want.put("o1-user-during", mounted ? "cat: can't open '/o1/f1': Stale file handle" : "one");
        want.put("o1-during", "one two");
        want.put("o1-user-after", "one");
        want.put("o3-mount", "rc=0");
        want.put("o3-sees", "one two");
        want.put("done", "");
        ExpectedMarks.assertMarks(want, a.marks(), a::describe);
        if (mounted) {
            assertTrue(a.marks().get("o2-mount").matches("rc=[1-9].*Stale file handle.*"), a::describe);
            assertEquals(List.of(), tmpfsHeld, "nothing of the guest's reached the host's tmpfs");
        }
        for (String file : List.of("rt", "ro", "rw", "ut", "uo", "uw", "u-rt", "u-ut", "own", "late-t", "late-o")) {
            assertEquals(0, GuestSetIdLockReloadIT.hostMode(sid.resolve(file)) & 06000, "host mode of sid/" + file);
        }
        assertEquals(rescan, books.usage("a").values().iterator().next(), "the books against a restart's scan");
        assertEquals(List.of("f1", "f2", "f3"), HostListing.names(over));
        SignedLogs.Verified verified = logs.verify();
        assertEquals(0, verified.exit(), verified.output());
        if (mounted) {
            assertTrue(
                    logs.records().stream()
                            .anyMatch(r -> "attach".equals(r.op()) && r.refused() && r.errno() == ESTALE),
                    "the refused attach is recorded");
        }
    }

    /** VM a (host ids 200000+, eight connections) sharing {@code common} as car, its /q under a quota, and over. */
    private String policy(Path common, Path over) {
        return """
                image: test
                vms:
                  a:
                    listen: unix:%s
                    limits: {connections: 8}
                    ids:
                      uid: {ranges: [{guest: 0, host: 200000, count: 65536}]}
                      gid: {ranges: [{guest: 0, host: 200000, count: 65536}]}
                    shares:
                      car:
                        path: %s
                        access: read-write
                        quotas:
                          - {path: /q, bytes: %d, inodes: %d}
                      over:
                        path: %s
                        access: read-write
                """.formatted(tmp.resolve("a.sock"), common, QUOTA_BYTES, QUOTA_INODES, over);
    }
}
