package io.p9gate.gateway.guest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.auditing.SignedLogs;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One guest on {@link SignedAlpha}'s VM alpha (lock-tree.sh): an F_SETLKW waiting on a write lock gets it when the
 * holding process is killed; a flock stays while any process of the open file lives and ends with the last; a
 * git-like tree (120 objects written to a temporary name, fsync'ed and renamed, a ref renamed over, hard links, a
 * directory renamed over an empty one and refused over a full one, an index renamed over 40 times) is on the host as
 * the guest lists it, name for name, size, link count and content; a 5 GiB sparse file keeps its size and hole (no
 * blocks, zeros read), past /cache's quota EDQUOT leaves nothing, and truncate up and down is held to the quota. The
 * same script on diod gave the same marks and tree but for the policy's (quota, read-only /base).
 */
class GuestLockTreeIT {
    @TempDir
    Path tmp;

    @Test
    void locksOfKilledProcessesEndTheTreeIsTheHostsAndSparseFilesKeepTheirHoles() throws Exception {
        GuestHarness harness = GuestHarness.locate();
        SignedAlpha alpha = SignedAlpha.in(tmp);
        Path helper = HostBuild.guestBinary("setid-lock-helper");
        GuestRun run = GuestRun.script(RepoPaths.composed(tmp.resolve("script"), "marks.sh", "lock-tree.sh"))
                .withTimeout(Duration.ofSeconds(240))
                .withBin(helper)
                .withBin(Path.of("/usr/bin/flock"))
                .withEnv("LOCK_HELPER", helper.toString());
        GuestResult result = alpha.run(harness, "p9gate-lock-tree", run);
        assertTrue(result.marks().containsKey("done"), result::describe);
        assertFalse(result.output().contains("9pnet"), result::describe);

        Map<String, String> want = new LinkedHashMap<>();
        want.put("lk-held", "0");
        want.put("lk-waiting", "0");
        want.put("lk-after-kill", "OK");
        want.put("lk-third", "OK");
        want.put("lk-third-unlock", "OK");
        want.put("fl-contended", "1");
        want.put("fl-shared-contended", "1");
        want.put("fl-child-holds", "1");
        want.put("fl-all-gone", "0");
        want.put("tree-objects", "120");
        want.put("ref", "new");
        want.put("links", "3");
        want.put("links-after-rm", "2");
        want.put("mv-dir-over-empty", "0");
        want.put("mv-dir-over-full", "1:mv: can't rename 'repo/other': Directory not empty");
        want.put("index", "index 39");
        want.put("sparse-dd", "0");
        want.put("sparse-size", "5368709121");
        want.put("sparse-blocks-small", "yes");
        want.put("sparse-hole", "0");
        want.put("sparse-hole-len", "8192");
        want.put("sparse-tail", "3");
        want.put("sparse-quota", "1:dd: cache/sparse: Disk quota exceeded");
        want.put("sparse-quota-size", "0");
        want.put("sparse-in-quota", "0");
        want.put("trunc-up-in", "OK");
        want.put("trunc-up-over", "1:truncate: cache/small: truncate: Disk quota exceeded");
        want.put("trunc-size", "90000");
        want.put("trunc-down", "OK");
        want.put("trunc-up-again", "OK");
        want.put("trunc-3", "abc");
        want.put("trunc-8", "a b c \\0 \\0 \\0 \\0 \\0");
        want.put("trunc-ro", "1:truncate: base/map.db: open: Read-only file system");
        ExpectedMarks.assertMarks(want, result.marks(), result::describe);
        assertEquals(0, result.exitCode(), result::describe);

        Path data = alpha.fixture().data;
        List<String> guestTree =
                result.output().lines().filter(line -> line.startsWith("T ")).toList();
        assertEquals(hostTree(data), guestTree, "the guest's listing of repo/ against the host's");
        assertEquals(5_368_709_121L, Files.size(data.resolve("sparse")));
        assertEquals(List.of(), HostListing.names(data.resolve("cache")));
        SignedLogs.Verified verified = alpha.logs().verify();
        assertEquals(0, verified.exit(), verified.output());
    }

    /** What lock-tree.sh prints of repo/, made from the host: "T PATH dir" or "T PATH SIZE LINKS MD5", sorted. */
    private static List<String> hostTree(Path data) throws Exception {
        try (Stream<Path> all = Files.walk(data.resolve("repo"))) {
            return all.map(p -> {
                        String name = data.relativize(p).toString();
                        try {
                            if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                                return "T " + name + " dir";
                            }
                            byte[] bytes = Files.readAllBytes(p);
                            String md5 = HexFormat.of()
                                    .formatHex(MessageDigest.getInstance("MD5").digest(bytes));
                            return "T " + name + " " + bytes.length + " " + Files.getAttribute(p, "unix:nlink") + " "
                                    + md5;
                        } catch (Exception e) {
                            throw new IllegalStateException(e);
                        }
                    })
                    .sorted()
                    .toList();
        }
    }
}
