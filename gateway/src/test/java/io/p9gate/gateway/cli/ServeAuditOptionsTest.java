package io.p9gate.gateway.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.audit.read.AuditRecord;
import io.p9gate.gateway.auditing.SignedLogs;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code serve --audit-dir/--audit-key}: one clear line for every bad input; a log that is opened is closed. */
class ServeAuditOptionsTest {
    @TempDir
    Path dir;

    SignedLogs logs;

    private record Run(int code, String out, String err) {}

    @BeforeEach
    void keys() throws Exception {
        logs = SignedLogs.in(dir);
    }

    private Run serve(String... auditArgs) throws Exception {
        Path notSocket = dir.resolve("plain-file");
        if (!Files.exists(notSocket)) {
            Files.createFile(notSocket); // the listener cannot bind: serve returns instead of blocking
        }
        // The share is beside the keys and the log, never around them (R-POL-9).
        Path share = Files.createDirectories(dir.resolve("share"));
        List<String> args =
                new java.util.ArrayList<>(List.of("serve", "--share", "a=" + share, "--listen", "unix:" + notSocket));
        args.addAll(List.of(auditArgs));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.execute(new PrintWriter(out), new PrintWriter(err), args.toArray(String[]::new));
        return new Run(code, out.toString(), err.toString());
    }

    private static void assertOneLine(Run run, int code, String fragment) {
        assertEquals(code, run.code(), run.err());
        assertEquals(1, run.err().strip().split("\n").length, "one line: " + run.err());
        assertTrue(run.err().contains(fragment), run.err());
        assertFalse(run.err().contains("\tat "), "no stack trace");
    }

    @Test
    void eachOptionNeedsTheOther() throws Exception {
        assertOneLine(serve("--audit-dir", logs.dir.toString()), Main.EXIT_USAGE, "--audit-dir needs --audit-key");
        assertOneLine(
                serve("--audit-key", logs.privateKey.toString()),
                Main.EXIT_USAGE,
                "--audit-key and the other --audit-* options need --audit-dir");
        assertOneLine(serve("--audit-max-bytes", "1GiB"), Main.EXIT_USAGE, "need --audit-dir");
        assertFalse(Files.exists(logs.dir), "no log is created for a refused command line");
    }

    @Test
    void aBadByteCountIsOneLine() throws Exception {
        assertOneLine(
                serve(
                        "--audit-dir",
                        logs.dir.toString(),
                        "--audit-key",
                        logs.privateKey.toString(),
                        "--audit-max-bytes",
                        "lots"),
                Main.EXIT_USAGE,
                "'lots' is not a byte count");
        assertOneLine(
                serve(
                        "--audit-dir",
                        logs.dir.toString(),
                        "--audit-key",
                        logs.privateKey.toString(),
                        "--audit-min-free",
                        "99999999999999TiB"),
                Main.EXIT_USAGE,
                "too large");
    }

    @Test
    void theDiskBudgetReachesTheLogAndItsStartRecord() throws Exception {
        serve(
                "--audit-dir",
                logs.dir.toString(),
                "--audit-key",
                logs.privateKey.toString(),
                "--audit-max-bytes",
                "64MiB",
                "--audit-min-free",
                "1GiB",
                "--audit-segment-bytes",
                "1MiB");
        AuditRecord start = logs.records().getFirst();
        assertEquals("start", start.type());
        assertTrue(start.detail().contains(" max_bytes=67108864 min_free=1073741824 budget_vms=1"), start.detail());
    }

    @Test
    void aKeyOthersCanReadOrThatIsMissingIsRefused() throws Exception {
        Files.setPosixFilePermissions(logs.privateKey, PosixFilePermissions.fromString("rw-r--r--"));
        assertOneLine(
                serve("--audit-dir", logs.dir.toString(), "--audit-key", logs.privateKey.toString()),
                Main.EXIT_USAGE,
                "chmod 600");
        assertOneLine(
                serve(
                        "--audit-dir",
                        logs.dir.toString(),
                        "--audit-key",
                        dir.resolve("nope.key").toString()),
                Main.EXIT_USAGE,
                "nope.key: no such file or directory");
    }

    @Test
    void aLogHeldByAnotherGatewayStopsServeWithOneLine() throws Exception {
        try (var _ = logs.open()) {
            Run run = serve("--audit-dir", logs.dir.toString(), "--audit-key", logs.privateKey.toString());
            assertOneLine(run, Main.EXIT_FAILURE, "cannot open audit log");
        }
    }

    /** An --audit-dir that names a file was said as "cannot open audit log F: F", the path twice and no reason. */
    @Test
    void anAuditDirThatIsAFileIsSaidSo() throws Exception {
        Path file = Files.writeString(dir.resolve("audit.log"), "not a log\n");
        Run run = serve("--audit-dir", file.toString(), "--audit-key", logs.privateKey.toString());
        assertOneLine(run, Main.EXIT_FAILURE, "cannot open audit log " + file + ": it is not a directory");
        assertEquals("not a log\n", Files.readString(file));
    }

    /**
     * An --audit-dir that is a symlink to nothing (a log directory on a mount not there yet) was said as "cannot open
     * audit log L: L", as a file was: the twin of the check above.
     */
    @Test
    void anAuditDirThatIsADanglingLinkIsSaidSo() throws Exception {
        Path target = dir.resolve("not-mounted/audit");
        Path link = Files.createSymbolicLink(dir.resolve("audit"), target);
        Run run = serve("--audit-dir", link.toString(), "--audit-key", logs.privateKey.toString());
        assertOneLine(
                run,
                Main.EXIT_FAILURE,
                "cannot open audit log " + link + ": it is a symbolic link to " + target + ", which does not exist");
        assertFalse(Files.exists(target.getParent()));
    }

    @Test
    void aGatewayThatFailsToStartStillClosesItsLogCleanly() throws Exception {
        Run run = serve("--audit-dir", logs.dir.toString(), "--audit-key", logs.privateKey.toString());
        assertOneLine(run, Main.EXIT_FAILURE, "not a socket");
        List<AuditRecord> records = logs.records();
        assertTrue(
                records.stream()
                        .anyMatch(r -> "start".equals(r.type())
                                && r.detail() != null
                                && r.detail().startsWith("config=sha256:")),
                "the gateway's start names its configuration");
        assertEquals("shutdown", records.get(records.size() - 2).type());
        assertEquals(0, logs.verify().exit(), logs.verify().output());
    }

    /**
     * {@code --msize 0} ended in "error: / by zero" (exit 1), and a refused --msize, --workers, --max-outstanding,
     * --iounit or --listen still created the audit log and wrote a start and a shutdown for a gateway that never
     * served.
     */
    @Test
    void aBadLimitOrListenerIsOneUsageLineAndNoLog() throws Exception {
        String[] audit = {"--audit-dir", logs.dir.toString(), "--audit-key", logs.privateKey.toString()};
        assertOneLine(serve(with(audit, "--msize", "0")), Main.EXIT_USAGE, "msize must be between");
        assertOneLine(serve(with(audit, "--workers", "0")), Main.EXIT_USAGE, "workers must be at least 1");
        assertOneLine(serve(with(audit, "--max-outstanding", "0")), Main.EXIT_USAGE, "must be at least 1");
        assertOneLine(serve(with(audit, "--iounit", "-1")), Main.EXIT_USAGE, "iounit must not be negative");
        assertOneLine(serve(with(audit, "--listen", "bogus")), Main.EXIT_USAGE, "unknown listen address 'bogus'");
        assertFalse(Files.exists(logs.dir), "no log is created for a refused command line");
    }

    private static String[] with(String[] first, String... more) {
        List<String> all = new java.util.ArrayList<>(List.of(first));
        all.addAll(List.of(more));
        return all.toArray(String[]::new);
    }

    /** A unix socket in a directory that does not exist was "error: /no/such/dir/.p9cimhv2", a name nobody gave. */
    @Test
    void aSocketInAMissingDirectoryIsNamed() throws Exception {
        Path share = Files.createDirectories(dir.resolve("share"));
        Path socket = dir.resolve("no-such-dir/gateway.sock");
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.execute(
                new PrintWriter(out),
                new PrintWriter(err),
                "serve",
                "--share",
                "a=" + share,
                "--listen",
                "unix:" + socket);
        assertOneLine(
                new Run(code, out.toString(), err.toString()),
                Main.EXIT_FAILURE,
                "cannot listen on " + socket + ": its directory");
        assertTrue(err.toString().contains("does not exist"), err.toString());
    }

    /**
     * A share on the log's file system with only --audit-max-bytes: nothing keeps a VM writing there from filling the
     * disk, after which every VM's requests fail (EIO). serve said nothing of it; now one WARNING names the share.
     */
    @Test
    void aShareBesideTheLogWithoutAFreeSpaceReserveIsWarnedOf() throws Exception {
        String[] audit = {"--audit-dir", logs.dir.toString(), "--audit-key", logs.privateKey.toString()};
        Run maxOnly = serve(concat(audit, "--audit-max-bytes", "1GiB"));
        assertTrue(
                maxOnly.err()
                        .contains("WARNING: share a (" + dir.resolve("share") + ") on the audit log's file system"),
                maxOnly.err());
        Run reserved = serve(concat(audit, "--audit-max-bytes", "1GiB", "--audit-min-free", "1MiB"));
        assertFalse(reserved.err().contains("on the audit log's file system"), reserved.err());
    }

    /**
     * An --audit-max-bytes larger than the log's disk has free: the disk fills before the budget's 20 % and 5 % steps
     * (which count only the log's own bytes), and then the log fails and every request of every VM is refused (EIO),
     * with no warning before. serve said nothing at start; now one WARNING says so, naming both sizes and the fix.
     */
    @Test
    void aBudgetLargerThanTheFreeDiskIsWarnedOf() throws Exception {
        String[] audit = {"--audit-dir", logs.dir.toString(), "--audit-key", logs.privateKey.toString()};
        Run huge = serve(concat(audit, "--audit-max-bytes", "1000000TiB"));
        assertTrue(
                huge.err()
                        .contains("p9gate: WARNING: --audit-max-bytes (976.6 PiB) is more than the audit log's file"
                                + " system has free for it ("),
                huge.err());
        assertTrue(huge.err().contains(" in " + logs.dir + "): the disk fills before the budget's steps"), huge.err());
        Run fits = serve(concat(audit, "--audit-max-bytes", "1MiB"));
        assertFalse(fits.err().contains("--audit-max-bytes ("), fits.err());
        Run reserved = serve(concat(audit, "--audit-max-bytes", "1000000TiB", "--audit-min-free", "1MiB"));
        assertFalse(
                reserved.err().contains("--audit-max-bytes ("),
                "the reserve follows the free space: " + reserved.err());
    }

    private static String[] concat(String[] first, String... more) {
        return java.util.stream.Stream.concat(java.util.Arrays.stream(first), java.util.Arrays.stream(more))
                .toArray(String[]::new);
    }
}
