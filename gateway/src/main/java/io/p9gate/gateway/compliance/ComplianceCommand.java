package io.p9gate.gateway.compliance;

import io.p9gate.audit.note.FileReason;
import io.p9gate.audit.note.KeyFiles;
import io.p9gate.audit.note.KeyFormatException;
import io.p9gate.audit.read.LogDirectory;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code p9gate compliance}: the compliance suite (R-COMP-1); {@code run} is its one verb. See docs/compliance.md. */
@Command(
        name = "compliance",
        mixinStandardHelpOptions = true,
        description = "Check a running gateway against its policy file.",
        subcommands = {ComplianceCommand.Run.class})
public final class ComplianceCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing command (run)");
    }

    /** {@code p9gate compliance run}: exit 0 if every check passed, 1 if one failed, 3 if some could not run. */
    @Command(
            name = "run",
            mixinStandardHelpOptions = true,
            description = "Connect to each VM's listener as that VM, probe what the policy says, verify the audit "
                    + "log; exit 0 only if every check passed (1: a check failed, 3: none failed but some could not "
                    + "run, 2: bad usage).")
    static final class Run implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Option(
                names = "--policy",
                required = true,
                paramLabel = "FILE",
                description = "The policy file the gateway serves.")
        Path policy;

        @Option(names = "--vm", paramLabel = "VM", description = "Probe only this VM (repeatable; default: every VM).")
        List<String> vms = new ArrayList<>();

        @Option(
                names = "--tls-cert",
                paramLabel = "VM=CERT,KEY[,CA]",
                description = "TLS client certificate and key of a VM whose listener is TLS, and the CA of the "
                        + "gateway's certificate (default: ca-cert.pem beside CERT) (repeatable).")
        List<String> tlsCerts = new ArrayList<>();

        @Option(names = "--audit-log", paramLabel = "DIR", description = "The gateway's audit directory.")
        Path auditLog;

        @Option(
                names = "--audit-pub",
                paramLabel = "FILE",
                description = "A public key that verifies it; repeat it for every key the log was signed with (after a"
                        + " key rotation, the retired ones too).")
        List<Path> auditPub = new ArrayList<>();

        @Option(
                names = "--report",
                paramLabel = "DIR",
                description = "Write report.xml (JUnit), report.json and report.html here.")
        Path report;

        @Option(
                names = "--tests",
                paramLabel = "FILE",
                description = "A policy test file whose decision cases are replayed live, each as its uid and gid.")
        Path tests;

        @Option(names = "--uid", paramLabel = "N", description = "Guest uid to act as (default: ${DEFAULT-VALUE}).")
        int uid = 0;

        @Option(names = "--gid", paramLabel = "N", description = "Guest gid for new files (default: ${DEFAULT-VALUE}).")
        int gid = 0;

        @Option(
                names = "--max-entries",
                paramLabel = "N",
                description = "Most entries walked per share (default: ${DEFAULT-VALUE}).")
        int maxEntries = SuiteOptions.DEFAULT_MAX_ENTRIES;

        @Option(
                names = "--max-creates",
                paramLabel = "N",
                description = "Most entries created to fill an inode quota, and most requests sent to fill limits.fids,"
                        + " descriptors and xattr-bytes"
                        + " (default: ${DEFAULT-VALUE}).")
        long maxCreates = SuiteOptions.DEFAULT_MAX_CREATES;

        @Option(
                names = "--max-host-entries",
                paramLabel = "N",
                description = "Most entries looked at in each share's tree on the host for another name (hard link)"
                        + " of the gateway's state; where it runs out, that protect check is skipped"
                        + " (default: ${DEFAULT-VALUE}).")
        long maxHostEntries = SuiteOptions.DEFAULT_MAX_HOST_ENTRIES;

        @Option(
                names = "--audit-wait",
                paramLabel = "SECONDS",
                description =
                        "How long to wait for a signed checkpoint over the suite's records; it must be dated at most"
                                + " twice this after the last of them (default: ${DEFAULT-VALUE}).")
        long auditWait = SuiteOptions.DEFAULT_AUDIT_WAIT.toSeconds();

        @Override
        public Integer call() throws IOException {
            if ((auditLog == null) != auditPub.isEmpty()) {
                throw usage("--audit-log and --audit-pub go together");
            }
            // A negative id goes out as the u32 it wraps to: -1 is 9P's "no uid" (n_uname ~0), -2 the overflow id.
            if (uid < 0) {
                throw usage("--uid " + uid + ": a guest uid is 0 or more");
            }
            if (gid < 0) {
                throw usage("--gid " + gid + ": a guest gid is 0 or more");
            }
            if (maxEntries < 1 || maxHostEntries < 1 || maxCreates < 0 || auditWait < 0) {
                throw usage("--max-entries and --max-host-entries must be positive, --max-creates and --audit-wait"
                        + " not negative");
            }
            // Bad input, exit 2: it was 1, which says a check failed, and for --tests, --audit-pub and --audit-log
            // found only once every probe had run; a FIFO as --audit-log held the run in open(2) for ever
            // (BadInputExitCodeTest).
            for (Path file : tests == null ? List.of(policy) : List.of(policy, tests)) {
                FileReason.notARegularFile(file).ifPresent(why -> {
                    throw usage(why);
                });
            }
            for (Path key : auditPub) {
                try {
                    KeyFiles.readVerifierKey(key);
                } catch (KeyFormatException e) {
                    throw usage(e.getMessage());
                }
            }
            if (auditLog != null) {
                LogDirectory.notADirectory(auditLog).ifPresent(why -> {
                    throw usage(why);
                });
            }
            if (report != null) {
                // Before the run, not after it: a --report that names a file (or a place no directory can be
                // made) was found only once every probe had run, and the result was lost with a bare path as error.
                try {
                    Files.createDirectories(report);
                } catch (FileAlreadyExistsException e) {
                    throw usage("--report " + report + ": not a directory");
                } catch (IOException e) {
                    throw usage("--report " + report + ": cannot make the directory ("
                            + (e.getMessage() != null
                                    ? e.getMessage()
                                    : e.getClass().getSimpleName()) + ")");
                }
            }
            PrintWriter out = spec.commandLine().getOut();
            SuiteReport result;
            try {
                SuiteOptions options = new SuiteOptions(
                        policy,
                        vms,
                        TlsCertificate.parse(tlsCerts),
                        auditLog,
                        auditPub,
                        report,
                        uid,
                        gid,
                        maxEntries,
                        maxCreates,
                        Duration.ofSeconds(auditWait),
                        tests,
                        maxHostEntries);
                result = ComplianceSuite.run(options, out);
            } catch (IllegalArgumentException e) {
                throw usage(e.getMessage());
            }
            out.printf(
                    "p9gate compliance: %d checks: %d passed, %d failed, %d skipped%n",
                    result.checks().size(),
                    result.count(Status.PASSED),
                    result.count(Status.FAILED),
                    result.count(Status.SKIPPED));
            result.failures().forEach(f -> out.println("  FAILED " + f));
            if (report != null) {
                ReportFiles.write(result, report);
                out.println("p9gate compliance: reports in " + report + " (" + ReportFiles.JUNIT + ", "
                        + ReportFiles.JSON + ", " + ReportFiles.HTML + ")");
            }
            out.flush();
            return result.exitCode();
        }

        private CommandLine.ParameterException usage(String message) {
            return new CommandLine.ParameterException(spec.commandLine(), message);
        }
    }
}
