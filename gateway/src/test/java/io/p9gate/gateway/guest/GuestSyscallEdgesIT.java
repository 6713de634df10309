package io.p9gate.gateway.guest;

import static io.p9gate.gateway.guest.HostListing.names;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.p9gate.audit.read.AuditRecord;
import io.p9gate.gateway.auditing.SignedLogs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * System calls of the real Linux client (6.1) that reach the gateway in ways no other guest test makes, against
 * PolicyFixture's VM alpha (/base read-only, /cache 100,000 bytes and 4 inodes), the share on this machine's ext4:
 * gateway/src/test/guest/syscall-edges.sh makes each and prints what the guest got. Asserted: what the guest got
 * per attempt; that each refusal the gateway made is recorded with the errno the guest got (EFBIG past ext4's
 * largest file, EDQUOT past the quota also through a descriptor whose name is gone, ENOSPC for an xattr value ext4
 * cannot keep, EXDEV for a link into another quota scope); that the host holds what the guest sees; and that the
 * signed log verifies.
 */
class GuestSyscallEdgesIT {
    private static final int EXDEV = 18;
    private static final int EFBIG = 27;
    private static final int ENOSPC = 28;
    private static final int EDQUOT = 122;
    private static final long TIB = 1L << 40;

    @TempDir
    Path tmp;

    /** What each attempt must give the guest, in the script's order. */
    private static Map<String, String> expected(String hostMtime) {
        Map<String, String> m = new LinkedHashMap<>();
        // The 6.1 client's rename has no flags: the VFS answers NOREPLACE itself, the others are EINVAL.
        m.put("rename-noreplace", "renameat2:EEXIST");
        m.put("rename-exchange", "renameat2:EINVAL");
        m.put("rename-exchange-ro", "renameat2:EINVAL");
        m.put("rename-whiteout", "renameat2:EINVAL");
        m.put("rename-after", "a b");
        m.put("trunc-2p40", "OK");
        m.put("trunc-2p44p1", "truncate:EFBIG");
        m.put("trunc-2p62", "truncate:EFBIG");
        m.put("trunc-max", "truncate:EFBIG");
        m.put("trunc-size", String.valueOf(TIB));
        m.put("pwrite-2p44", "pwrite:EFBIG");
        m.put("pwrite-2p44-size", "0");
        m.put("quota-trunc-2p40", "truncate:EDQUOT");
        m.put("quota-pwrite-2p40", "pwrite:EDQUOT");
        m.put("quota-q-size", "0");
        m.put("utime-2p40", hostMtime);
        m.put("falloc-keep", "fallocate:EOPNOTSUPP");
        m.put("falloc-punch", "fallocate:EOPNOTSUPP");
        m.put("falloc-zero", "fallocate:EOPNOTSUPP");
        m.put("falloc-ro", "open:EROFS");
        m.put("tmpfile-root", "open:EOPNOTSUPP");
        m.put("tmpfile-cache", "open:EOPNOTSUPP");
        m.put("append-race", "OK_written=2000_size=200000");
        m.put("append-race-cache", "write:EDQUOT_written=1000");
        m.put("cache-after-race", "");
        m.put("xattr-4000", "4000");
        m.put("xattr-65536", "setxattr:ENOSPC");
        m.put("xattr-cache-60000", "setxattr:EDQUOT");
        m.put("fifo-stat", "fifo");
        m.put("fifo-getfattr", "rc=0");
        m.put("fifo-setfattr", "setfattr:_fifo:_Operation_not_permitted rc=1");
        m.put("mv-into-quota", "mv:_can't_rename_'big2':_Disk_quota_exceeded rc=1");
        m.put("ln-into-quota", "ln:_cache/big3:_Invalid_cross-device_link rc=1");
        m.put("cache-left", "");
        return m;
    }

    @Test
    void theKernelsEdgeCallsGetWhatTheHostAndPolicyAnswerRecordedSo() throws Exception {
        GuestHarness harness = GuestHarness.locate();
        // The expected EFBIG, ENOSPC and clamped times are ext4's limits: another file system answers otherwise.
        String type = Files.getFileStore(tmp).type();
        assumeTrue("ext4".equals(type), () -> "the share's file system is " + type + ", the expectations are ext4's");
        SignedAlpha alpha = SignedAlpha.in(tmp);
        Path data = alpha.fixture().data;
        Path helper = HostBuild.guestBinary("probe-helper");
        GuestRun run = GuestRun.script(RepoPaths.guestScripts().resolve("syscall-edges.sh"))
                .withTimeout(Duration.ofSeconds(150))
                .withBin(helper)
                .withBin(Path.of("/usr/bin/getfattr"))
                .withBin(Path.of("/usr/bin/setfattr"))
                .withEnv("PROBE_HELPER", helper.toString());
        GuestResult result = alpha.run(harness, "p9gate-syscall-edges", run);

        Map<String, String> seen = result.marks();
        assertTrue(seen.containsKey("done"), result::describe);
        assertFalse(result.output().contains("9pnet"), result::describe);
        // A time past ext4's range is clamped by the host: the guest sees the host's value, not its own.
        String hostMtime =
                String.valueOf(Files.getLastModifiedTime(data.resolve("times")).toMillis() / 1000);
        Map<String, String> want = expected(hostMtime);
        ExpectedMarks.assertMarks(want, seen, result::describe);
        assertTrue(Long.parseLong(hostMtime) < TIB, "ext4 keeps no time as late as 2^40 s: " + hostMtime);

        assertEquals(TIB, Files.size(data.resolve("sparse")));
        assertEquals(0, Files.size(data.resolve("pw")));
        assertEquals(150_000, Files.size(data.resolve("big2")), "the refused move left the file where it was");
        assertEquals(List.of(), names(data.resolve("cache")));

        SignedLogs logs = alpha.logs();
        SignedLogs.Verified verified = logs.verify();
        assertEquals(0, verified.exit(), verified.output());
        List<AuditRecord> records = logs.records();
        assertRefused(records, "/sparse", "setattr", EFBIG, 3);
        assertRefused(records, "/pw", "write", EFBIG, 1);
        assertRefused(records, "/cache/q", "setattr", EDQUOT, 1);
        assertRefused(records, "/cache/q", "write", EDQUOT, 1);
        assertRefused(records, "/cache/race", "write", EDQUOT, 1);
        assertRefused(records, "/xa", "clunk", ENOSPC, 1);
        assertRefused(records, "/cache/xq", "clunk", EDQUOT, 1);
        assertRefused(records, "/big2", "renameat", EDQUOT, 1);
        assertRefused(records, "/big3", "link", EXDEV, 1);
        assertEquals(0, result.exitCode(), result::describe);
    }

    /** At least {@code count} requests of {@code op} on {@code path} refused with {@code errno}. */
    private static void assertRefused(List<AuditRecord> records, String path, String op, int errno, int count) {
        long found = records.stream()
                .filter(r -> r.refused() && path.equals(r.path()) && op.equals(r.op()))
                .filter(r -> r.errno() != null && r.errno() == errno)
                .mapToLong(AuditRecord::requests)
                .sum();
        assertTrue(
                found >= count,
                () -> "expected " + count + " refusals of " + op + " " + path + " with errno " + errno
                        + "; recorded there: "
                        + records.stream()
                                .filter(r -> path.equals(r.path()))
                                .map(r -> r.op() + " " + r.decision() + " " + r.errno() + " " + r.detail())
                                .toList());
    }
}
