package io.p9gate.gateway.guest;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.p9gate.gateway.auditing.SignedLogs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Everyday workloads through each dialect on one gateway (dialect-workloads.sh, PolicyFixture's alpha): mv over an
 * existing file, rm of an open file then I/O through its descriptors, ln, ln -s to targets outside the share, mkfifo
 * and mknod, chmod g+s of a directory, touch -d, dd past 4 and 5 GiB, a sparse file, cp -a of a tree with dot
 * entries beside the hidden /secret. 9P2000.u does what 9P2000.L does; 9P2000 differs only where the dialect or the
 * client cannot: a rename onto an existing name is EEXIST (stat(5), docs/protocol.md), no links, no fifos (the client
 * says EPERM), no set-gid bit. Device nodes are refused in every dialect (R-CONF-2), recorded EPERM.
 */
class GuestDialectWorkloadsIT {
    @TempDir
    Path tmp;

    @ParameterizedTest
    @ValueSource(strings = {"9p2000.L", "9p2000.u", "9p2000"})
    void everydayWorkloadsThroughEachDialect(String dialect) throws Exception {
        GuestHarness harness = GuestHarness.locate();
        SignedAlpha alpha = SignedAlpha.in(tmp);
        Path old = Files.writeString(alpha.fixture().data.resolve("base/old"), "1960");
        Files.setLastModifiedTime(old, FileTime.from(Instant.parse("1960-01-01T00:00:00Z")));
        GuestRun run = GuestRun.script(RepoPaths.guestScripts().resolve("dialect-workloads.sh"))
                .withDialect(dialect)
                .withTimeout(Duration.ofSeconds(120));
        GuestResult result = alpha.run(harness, "p9gate-workloads-" + dialect, run);
        ExpectedMarks.assertMarks(expected(dialect), result.marks(), result::describe);
        assertEquals(0, result.exitCode(), result::describe);
        // The host keeps the symlinks' targets as written; the guest's kernel resolves them, not the gateway.
        if (!dialect.equals("9p2000")) {
            assertEquals(
                    "/etc/passwd",
                    Files.readSymbolicLink(alpha.fixture().data.resolve("w/abs"))
                            .toString());
        }

        SignedLogs.Verified verified = alpha.logs().verify();
        assertEquals(0, verified.exit(), verified.output());
        List<String> devices = alpha.logs().records().stream()
                .filter(r -> r.refused() && r.path() != null && r.path().matches("/w/[bc]dev"))
                .map(r -> r.op() + " " + r.path() + " " + r.errno())
                .distinct()
                .toList();
        String make = dialect.equals("9p2000.L") ? "mknod" : "create";
        assertEquals(
                dialect.equals("9p2000") ? List.of() : List.of(make + " /w/cdev 1", make + " /w/bdev 1"),
                devices.stream().filter(d -> !d.startsWith("walk ")).toList());
    }

    private static Map<String, String> expected(String dialect) {
        Map<String, String> want = new LinkedHashMap<>();
        want.put("mv-over", "OK:,");
        want.put("mv-over-content", "new target,");
        want.put("rm-open", "OK:,");
        want.put("rm-open-write", "OK:,");
        want.put("rm-open-read", "OK:0123456789ABC,");
        want.put("rm-open-gone", "0");
        want.put("ln", "OK:,");
        want.put("ln-count", "2 linked");
        want.put("ln-s-abs", "OK:,");
        want.put("ln-s-abs-read", "/etc/passwd");
        want.put("ln-s-up", "OK:,");
        want.put("ln-s-up-read", "../../../../outside");
        want.put("ln-s-in", "OK:,");
        want.put("ln-s-in-cat", "linked");
        want.put("mkfifo", "OK:,");
        want.put("mkfifo-type", "fifo 640");
        want.put("mknod-c", "ERR:Operation not permitted");
        want.put("mknod-b", "ERR:Operation not permitted");
        want.put("chmod-gs", "OK:,");
        want.put("chmod-gs-mode", "2755");
        want.put("gs-sub", "2755 644");
        want.put("touch-d", "OK:,");
        want.put("touch-d-m", "981173106");
        // A host time stat(5)'s unsigned seconds cannot hold is shown as the nearest one (before: 3979348096, 2096).
        want.put("host-1960", dialect.equals("9p2000.L") ? "-315619200" : "0");
        want.put("dd-5g", "OK:1+0 records in,1+0 records out,");
        want.put("dd-5g-size", "5369757696");
        want.put("dd-5g-mark", "OK:3+0 records in,3+0 records out,");
        want.put("dd-5g-read", "XYZ");
        want.put("dd-4g-boundary", "\\0 Q \\0");
        want.put("truncate-6g", "OK:, 6442450944");
        want.put("sparse", "1048576 hole 00000000");
        want.put("cp-a", "OK:,");
        want.put("cp-a-list", ".,./.dot,./.dot/sub,./.dot/sub/f,./.hidden,./d,./d/.x,./l,");
        want.put("cp-a-modes", "700 1009843200 .hidden");
        want.put("cp-a-root", "OK:, .,..,base,cache,notes.txt,w,");
        want.put("ls-a-root", ".,..,base,cache,notes.txt,w,");
        want.put("done", "");
        if (dialect.equals("9p2000")) {
            want.put("mv-over", "ERR:File exists");
            want.put("mv-over-content", "old source,target,");
            for (String link : List.of("ln", "ln-s-abs", "ln-s-up", "ln-s-in", "mkfifo")) {
                want.put(link, "ERR:Operation not permitted");
            }
            want.put("ln-count", "1 cat: can't open 'hard': No such file or directory");
            want.put("ln-s-abs-read", "");
            want.put("ln-s-up-read", "");
            want.put("ln-s-in-cat", "cat: can't open 'rel': No such file or directory");
            want.put("mkfifo-type", "stat: can't stat 'fifo': No such file or directory");
            want.put("chmod-gs-mode", "755");
            want.put("gs-sub", "755 644");
            want.put("cp-a-list", ".,./.dot,./.dot/sub,./.dot/sub/f,./.hidden,./d,./d/.x,");
            want.put("cp-a-modes", "700 1009843200");
        }
        return want;
    }
}
