package io.p9gate.gateway.guest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real Linux client on what a user does with xattrs, set-id files and a big directory
 * (gateway/src/test/guest/session-fixes.sh), where this project's xattr fids (EBADF as files), set-id bits kept in
 * user.p9gate.setid and the per-thread getdents64 buffer changed the path: getfattr/setfattr on files, directories and
 * symlinks, cp -a, tar --xattrs and ls -l give what they give on diod; a set-id file written, truncated, grown,
 * appended, copied over and chmodded by guest root and by uid 1000 shows the mode a tmpfs of the guest's own shows,
 * and the host file carries no set-id bit; 10,000 entries of 255-byte names are listed whole, by two readers at once
 * and while another process creates and removes entries, as on diod.
 */
class GuestSessionFixesIT {
    private static final int BIG = 10_000;

    @TempDir
    Path tmp;

    @Test
    void xattrsSetIdFilesAndABigDirectoryBehaveAsOnDiodAndTmpfs() throws Exception {
        GuestHarness harness = GuestHarness.locate();
        GuestRun run = GuestRun.script(RepoPaths.composed(tmp.resolve("script"), "marks.sh", "session-fixes.sh"))
                .withEnv("BIG", Integer.toString(BIG))
                .withTimeout(Duration.ofSeconds(180));
        for (String bin : new String[] {
            "/usr/bin/setpriv",
            "/usr/bin/getfattr",
            "/usr/bin/setfattr",
            "/usr/bin/ls",
            "/usr/bin/cp",
            "/usr/bin/stat",
            "/usr/bin/truncate",
            "/usr/bin/tar"
        }) {
            run = run.withBin(Path.of(bin));
        }

        Path export = Files.createDirectories(tmp.resolve("diod/export"));
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(tmp.resolve("diod"), PosixFilePermissions.fromString("rwxr-xr-x"));
        fillBig(export);
        GuestResult onDiod;
        try (DiodServer diod = DiodServer.start(export, tmp.resolve("diod/diod.log"))) {
            onDiod = harness.run(
                    "diod-session-fixes",
                    diod.address(),
                    run.withAname(diod.aname()).withEnv("SKIP_SETID", "1"));
        }
        SignedAlpha alpha = SignedAlpha.in(Files.createDirectories(tmp.resolve("p9gate")));
        Path data = alpha.fixture().data;
        fillBig(data);
        // msize 512 KiB: a Treaddir's count is 8 times the 64 KiB getdents64 buffer (diod caps it at 64 KiB).
        GuestResult onGateway = alpha.run(harness, "p9gate-session-fixes", run);

        Map<String, String> diodMarks = onDiod.marks();
        Map<String, String> seen = onGateway.marks();
        assertTrue(diodMarks.containsKey("done"), onDiod::describe);
        assertTrue(seen.containsKey("done"), onGateway::describe);
        Map<String, String> want = new LinkedHashMap<>();
        diodMarks.forEach((name, value) -> {
            if (name.startsWith("xattr-") || name.startsWith("big-")) {
                want.put(name, value);
            }
        });
        seen.forEach((name, value) -> {
            if (name.startsWith("ref-")) {
                want.put("sid-" + name.substring(4), value);
            } else if (name.startsWith("listed-")) {
                want.put(name, ""); // user.p9gate.setid is the gateway's: not listed, so not copied by cp -a
            }
        });
        // 2 users x 3 modes x (8 steps + cp -a) on tmpfs, and diod's xattr and directory marks
        assertEquals(
                54, want.keySet().stream().filter(n -> n.startsWith("sid-")).count(), onGateway::describe);
        assertTrue(want.containsKey("xattr-tar-dump") && want.containsKey("big-after"), onDiod::describe);
        ExpectedMarks.assertMarks(want, seen, onGateway::describe);
        assertEquals(0, onGateway.exitCode(), onGateway::describe);

        try (Stream<Path> kept = Files.list(data.resolve("sid"))) {
            for (Path file : kept.toList()) {
                int mode = (int) Files.getAttribute(file, "unix:mode", LinkOption.NOFOLLOW_LINKS);
                assertEquals(0, mode & 06000, file + " " + Integer.toOctalString(mode));
            }
        }
        try (Stream<Path> entries = Files.list(data.resolve("big"))) {
            long n = entries.count();
            assertEquals(Long.toString(n + 2), seen.get("big-after"), "ls -f of big/ against the host's");
        }
    }

    /** {@link #BIG} empty files of 255-byte names "sNNNNN" + 'x's, made on the host before the guest boots. */
    private static void fillBig(Path share) throws Exception {
        Path big = Files.createDirectories(share.resolve("big"));
        for (int i = 0; i < BIG; i++) {
            Files.createFile(big.resolve("s%05d".formatted(i) + "x".repeat(249)));
        }
    }
}
