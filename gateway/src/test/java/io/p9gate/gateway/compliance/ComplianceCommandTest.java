package io.p9gate.gateway.compliance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code p9gate compliance run} as a user meets it without a gateway: bad usage is one line and exit 2, a
 * broken policy one line with its position and exit 1; a VM whose listener is not there fails, one the suite
 * cannot reach is skipped with the reason, and neither is ever reported as passed.
 */
class ComplianceCommandTest {
    @TempDir
    Path dir;

    private Path policy(String listen) throws Exception {
        Path share = Files.createDirectories(dir.resolve("share"));
        return Files.writeString(dir.resolve("p.yaml"), """
                image: t
                vms:
                  vm1:
                    listen: %s
                    shares:
                      data: {path: %s, access: read-only}
                """.formatted(listen, share));
    }

    private static void oneUsageLine(SuiteRun run, String text) {
        assertEquals(2, run.exitCode(), run::describe);
        assertEquals(1, run.err().strip().lines().count(), run::describe);
        assertTrue(run.err().contains(text), run::describe);
        assertFalse(run.err().contains("\tat "), "no stack trace");
    }

    @Test
    void usageErrorsAreOneLine() throws Exception {
        String p = policy("unix:" + dir.resolve("vm1.sock")).toString();
        oneUsageLine(SuiteRun.of("compliance", "run"), "--policy");
        oneUsageLine(
                SuiteRun.of("compliance", "run", "--policy", p, "--audit-log", dir.toString()),
                "--audit-log and --audit-pub go together");
        oneUsageLine(
                SuiteRun.of("compliance", "run", "--policy", p, "--vm", "nope"),
                "--vm nope: the policy has no such VM (VMs: vm1)");
        oneUsageLine(
                SuiteRun.of("compliance", "run", "--policy", p, "--tls-cert", "vm1=only-one-file"),
                "--tls-cert must be VM=CERT,KEY");
        oneUsageLine(
                SuiteRun.of("compliance", "run", "--policy", p, "--tls-cert", "vm1=/none.crt,/none.key"),
                "/none.crt: no such file or directory");
        // A directory as the certificate: "cannot read DIR/ca-cert.pem", the CA beside it, with no reason.
        oneUsageLine(
                SuiteRun.of("compliance", "run", "--policy", p, "--tls-cert", "vm1=" + dir + "," + p),
                dir + ": is a directory (not a TLS file)");
        oneUsageLine(SuiteRun.of("compliance"), "missing command");
    }

    /**
     * A negative --uid or --gid went out as the u32 it wraps to: -1 is 9P's "no uid" (n_uname ~0), -2 the overflow id
     * 4294967294, so the suite probed as a user nobody asked for and reported its checks failed or skipped.
     */
    @Test
    void aNegativeUidOrGidIsAUsageError() throws Exception {
        String p = policy("unix:" + dir.resolve("vm1.sock")).toString();
        oneUsageLine(SuiteRun.of("compliance", "run", "--policy", p, "--uid", "-1"), "--uid -1: ");
        oneUsageLine(SuiteRun.of("compliance", "run", "--policy", p, "--gid", "-2"), "--gid -2: ");
    }

    /**
     * A --report that names a file, or lies below one, cannot hold the reports: said as bad usage before the run
     * (which probes every VM for minutes and leaves audit records), not found after it, with the result lost and
     * nothing but the path as the error.
     */
    @Test
    void aReportPathThatCannotBeADirectoryIsUsageBeforeTheRun() throws Exception {
        String p = policy("unix:" + dir.resolve("vm1.sock")).toString();
        Path file = Files.writeString(dir.resolve("report-file"), "x");
        SuiteRun run = SuiteRun.of("compliance", "run", "--policy", p, "--report", file.toString());
        oneUsageLine(run, "--report " + file + ": not a directory");
        assertFalse(run.out().contains("vm1/listener"), "nothing was probed: " + run.describe());
        oneUsageLine(
                SuiteRun.of(
                        "compliance",
                        "run",
                        "--policy",
                        p,
                        "--report",
                        file.resolve("sub").toString()),
                "--report " + file.resolve("sub") + ": cannot make the directory");
    }

    @Test
    void aBrokenPolicyIsOneLineWithItsPosition() throws Exception {
        Path bad = Files.writeString(dir.resolve("bad.yaml"), "image: t\nvms:\n  vm1:\n    listn: unix:/x\n");
        SuiteRun run = SuiteRun.of("compliance", "run", "--policy", bad.toString());
        assertEquals(1, run.exitCode(), run::describe);
        assertEquals(1, run.err().strip().lines().count(), run::describe);
        assertTrue(run.err().contains(bad + ":4:"), run::describe);
    }

    @Test
    void aListenerThatIsNotThereFailsTheVm() throws Exception {
        SuiteRun run = SuiteRun.of(
                "compliance",
                "run",
                "--policy",
                policy("unix:" + dir.resolve("vm1.sock")).toString(),
                "--report",
                dir.resolve("report").toString());
        assertEquals(SuiteReport.EXIT_FAILED, run.exitCode(), run::describe);
        assertTrue(run.out().contains("FAIL R-DEP-1   vm1/listener"), run::describe);
        assertTrue(run.out().contains("none of this VM's checks ran"), run::describe);
        // only the host's own check of the policy's protected state (R-POL-9) can pass
        assertTrue(run.lines("pass").stream().allMatch(l -> l.contains(" protect/")), run::describe);
        assertTrue(run.out().contains("skip R-AUD-2   audit/verify"), "no audit log given: skipped, not passed");
        assertTrue(Files.isRegularFile(dir.resolve("report/report.html")), "reports are written for a failed run too");
    }

    /**
     * A VM's unix socket that is missing, that nobody listens on, or that is no socket: the listener's line names
     * the socket and what to check, not Netty's {@code FileNotFoundException} text. When the file looks fine the
     * kernel's reason is kept: refused (nobody listens), EAGAIN (a full backlog) and EACCES (an LSM) differ.
     */
    @Test
    void aMissingOrDeadSocketIsNamedWithWhatToCheck() throws Exception {
        Path socket = dir.resolve("vm1.sock");
        Path p = policy("unix:" + socket);
        assertEquals(
                "FAIL R-DEP-1   vm1/listener: the VM's listener unix:" + socket
                        + " serves 9P2000.L -> error (no socket at "
                        + socket + " (check that the gateway runs with this policy and that the VM's listen: names"
                        + " its socket); none of this VM's checks ran)",
                listenerLine(p));
        try (var deaf = java.nio.channels.ServerSocketChannel.open(java.net.StandardProtocolFamily.UNIX)) {
            deaf.bind(java.net.UnixDomainSocketAddress.of(socket));
        } // bound and closed: the file is left, nobody listens
        assertTrue(
                listenerLine(p)
                        .endsWith("-> error (cannot connect to " + socket + ": Connection refused (ECONNREFUSED); a"
                                + " gateway that stopped leaves its socket: check that it runs; none of this VM's"
                                + " checks ran)"),
                listenerLine(p));
        Files.delete(socket);
        Files.writeString(socket, "a file");
        assertTrue(
                listenerLine(p)
                        .endsWith("-> error (" + socket + " is not a socket (check that the VM's listen:"
                                + " names the gateway's socket); none of this VM's checks ran)"),
                listenerLine(p));
    }

    private String listenerLine(Path policy) {
        SuiteRun run = SuiteRun.of("compliance", "run", "--policy", policy.toString());
        List<String> lines = run.out()
                .lines()
                .filter(l -> l.matches("(FAIL|pass|skip) .*vm1/listener.*"))
                .toList();
        assertEquals(1, lines.size(), run::describe);
        return lines.getFirst();
    }

    @Test
    void aListenerTheSuiteCannotUseIsSkippedWithTheReason() throws Exception {
        SuiteRun run =
                SuiteRun.of("compliance", "run", "--policy", policy("vsock:42").toString());
        assertEquals(SuiteReport.EXIT_INCOMPLETE, run.exitCode(), run::describe);
        assertTrue(run.out().contains("skip R-DEP-1   vm1/listener"), run::describe);
        assertTrue(run.out().contains("no vsock transport"), run::describe);
        // only the host's own check of the policy's protected state (R-POL-9) can pass
        assertTrue(run.lines("pass").stream().allMatch(l -> l.contains(" protect/")), run::describe);
    }
}
