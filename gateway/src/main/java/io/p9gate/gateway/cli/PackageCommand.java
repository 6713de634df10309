package io.p9gate.gateway.cli;

import io.p9gate.audit.cli.CliMessages;
import io.p9gate.audit.cli.ProgressOption;
import io.p9gate.audit.note.FileReason;
import io.p9gate.audit.note.KeyFiles;
import io.p9gate.audit.note.KeyFormatException;
import io.p9gate.audit.note.LinkLoop;
import io.p9gate.audit.note.SigningKey;
import io.p9gate.gateway.packaging.InstalledPackage;
import io.p9gate.gateway.packaging.NotAPackageException;
import io.p9gate.gateway.packaging.Packager;
import io.p9gate.gateway.packaging.PackagingException;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code p9gate package}: the self-contained tarball of one ECU image (R-DEP-2), made on the build host; and
 * {@code p9gate package verify}: an extracted package checked against its (signed) manifest.
 */
@Command(
        name = "package",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = "Build DIR/p9gate-IMAGE-VERSION-linux-ARCH.tar.gz: a Java runtime (jlink), the gateway, "
                + "bin/p9gate, the policy, a systemd unit and a manifest. Runs on the build host (needs a JDK).",
        subcommands = PackageCommand.Verify.class)
final class PackageCommand implements Callable<Integer> {
    static final String DEFAULT_PREFIX = "/opt/p9gate";

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(
            names = "--policy",
            paramLabel = "FILE",
            description = "Required: the ECU image's policy; it must pass "
                    + "'policy check --strict' (share directories missing on the build host aside).")
    Path policy;

    @Option(
            names = "--out",
            paramLabel = "DIR",
            description = "Required: where the tarball and a copy of its manifest go (created).")
    Path out;

    @Option(
            names = "--sign",
            paramLabel = "KEY",
            description =
                    "Sign the manifest with this private key " + "('p9gate keys generate'; mode 0600): MANIFEST.sig.")
    Path signKey;

    @Option(
            names = "--version-suffix",
            paramLabel = "TEXT",
            description = "Appended to the version in the "
                    + "tarball's name and manifest, e.g. +ecu3 (letters, digits, . _ + ~ -).")
    String versionSuffix;

    @Option(
            names = "--prefix",
            paramLabel = "DIR",
            description =
                    "Where the tarball is extracted on the ECU " + "(the unit's paths; default: ${DEFAULT-VALUE}).")
    String prefix = DEFAULT_PREFIX;

    @Option(
            names = "--audit-dir",
            paramLabel = "DIR",
            description = "The audit log directory on the ECU " + "(default: the policy's protect.audit).")
    String auditDir;

    @Option(
            names = "--audit-key",
            paramLabel = "FILE",
            description = "The audit signing key on the ECU " + "(default: audit.key in the policy's protect.keys).")
    String auditKey;

    @Option(
            names = "--audit-max-bytes",
            paramLabel = "BYTES",
            converter = ByteSize.class,
            description = "The unit's serve --audit-max-bytes: at most this much audit log on the ECU (0: none; "
                    + "default: 2GiB).")
    long auditMaxBytes = Packager.AuditBudget.DEFAULT.maxBytes();

    @Option(
            names = "--audit-min-free",
            paramLabel = "BYTES",
            converter = ByteSize.class,
            description = "The unit's serve --audit-min-free: leave this much free on the audit log's file system "
                    + "(0: none; default: 256MiB). One of the two must be set.")
    long auditMinFree = Packager.AuditBudget.DEFAULT.minFree();

    @Option(
            names = "--app",
            paramLabel = "DIR",
            description = "The gateway's build output: p9gate-gateway-*.jar "
                    + "and lib/ (default: gateway/target of this checkout).")
    Path app;

    @CommandLine.Mixin
    ProgressOption progress;

    @Override
    public Integer call() throws PackagingException, IOException {
        if (policy == null || out == null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "give --policy FILE and --out DIR");
        }
        if (LinkLoop.at(out)) {
            // Found at the lock, exit 1.
            throw new CommandLine.ParameterException(spec.commandLine(), FileReason.said(out, LinkLoop.REASON));
        }
        if (Files.exists(out) && !Files.isDirectory(out)) {
            // Found when the tarball is written, after the jlink, and said with the path alone.
            throw new CommandLine.ParameterException(spec.commandLine(), "--out " + out + " is not a directory");
        }
        refuseNoFile(policy);
        SigningKey signingKey = signKey == null ? null : signingKey(signKey);
        Path application = appDir();
        // Not there, a file or a loop said "cannot read the application directory", exit 1, and a FIFO held the
        // command in open(2) for ever (BadInputExitCodeTest).
        FileReason.notADirectory(application).ifPresent(why -> {
            throw new CommandLine.ParameterException(spec.commandLine(), why + " (--app: the gateway's build output)");
        });
        long started = System.nanoTime();
        Packager.Result result = Packager.build(
                new Packager.Request(
                        policy,
                        out,
                        application,
                        signingKey,
                        versionSuffix,
                        prefix,
                        auditDir,
                        auditKey,
                        new Packager.AuditBudget(auditMaxBytes, auditMinFree),
                        sourceDateEpoch()),
                stepsShown(),
                this::warn);
        double seconds = (System.nanoTime() - started) / 1e9;
        PrintWriter o = spec.commandLine().getOut();
        result.hostWarnings().forEach(w -> o.println("p9gate package: note (checked on the ECU at start): " + w));
        o.println("p9gate package: wrote " + result.tarball());
        o.printf(
                Locale.ROOT,
                "  image %s, version %s, %d entries, %.1f MiB%n",
                result.image(),
                result.version(),
                result.entries(),
                result.bytes() / (1024.0 * 1024.0));
        o.println("  sha256 " + result.sha256());
        o.println("  manifest " + (result.signed() ? "signed (MANIFEST.sig)" : "not signed (--sign KEY)"));
        o.printf(Locale.ROOT, "  took %.1f s%n", seconds);
        o.flush();
        return 0;
    }

    /**
     * Each step on its own line on stderr, as the audit commands show progress: on a terminal or with --progress,
     * so that a build log or a test sees only the result, and stdout keeps only the summary.
     */
    private Packager.Steps stepsShown() {
        if (!progress.shown()) {
            return Packager.Steps.NONE;
        }
        PrintWriter err = spec.commandLine().getErr();
        long started = System.nanoTime();
        return step -> {
            err.printf(Locale.ROOT, "p9gate package: %5.1f s: %s%n", (System.nanoTime() - started) / 1e9, step);
            err.flush();
        };
    }

    /**
     * A --policy or --sign that is not there, a directory or a FIFO is bad input, exit 2 as in every command
     * (docs/cli.md): it was 1, which says a build failed (BadInputExitCodeTest).
     */
    private void refuseNoFile(Path file) {
        FileReason.notARegularFile(file).ifPresent(why -> {
            throw new CommandLine.ParameterException(spec.commandLine(), why);
        });
    }

    /**
     * The --sign key, read before anything is built: one that is no key or that group or others can read is bad input
     * the operator gave, exit 2, as serve's --audit-key (docs/cli.md); it was read after the policy check and the
     * application, and exited 1, which says a build failed.
     *
     * @throws IOException it is there but cannot be read (exit 1)
     */
    private SigningKey signingKey(Path file) throws IOException {
        refuseNoFile(file);
        try {
            return KeyFiles.readSigningKey(file);
        } catch (KeyFormatException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
    }

    /** At once on stderr, progress shown or not: the run goes on for a minute. */
    private void warn(String warning) {
        PrintWriter err = spec.commandLine().getErr();
        err.println("p9gate package: warning: " + warning);
        err.flush();
    }

    private Path appDir() {
        if (app != null) {
            return app;
        }
        String home = System.getProperty("p9gate.home");
        if (home == null) {
            throw new CommandLine.ParameterException(
                    spec.commandLine(),
                    "give --app DIR (the gateway's build output), or run from a checkout with ./p9gate");
        }
        return Path.of(home, "gateway", "target");
    }

    /** Reproducible builds' convention for a fixed time; 0 (1970) when it is not set. */
    private long sourceDateEpoch() {
        String value = System.getenv("SOURCE_DATE_EPOCH");
        if (value == null || value.isBlank()) {
            return 0;
        }
        try {
            return Long.parseLong(value.strip());
        } catch (NumberFormatException e) {
            throw new CommandLine.ParameterException(
                    spec.commandLine(), "SOURCE_DATE_EPOCH must be seconds since 1970, not '" + value + "'");
        }
    }

    @Command(
            name = "verify",
            mixinStandardHelpOptions = true,
            description = "Check an extracted package (e.g. /opt/p9gate) against its MANIFEST: every file's mode "
                    + "and SHA-256, links, nothing extra; with --key, also MANIFEST.sig. Exit 0 if all match.")
    static final class Verify implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Parameters(paramLabel = "DIR", description = "The package's root (where bin/ and MANIFEST are).")
        Path root;

        @Option(
                names = "--key",
                paramLabel = "PUB",
                description = "Public key that must have signed the manifest " + "(repeatable: any one suffices).")
        List<Path> keys = new ArrayList<>();

        @Override
        public Integer call() throws PackagingException, IOException {
            InstalledPackage.Report report;
            try {
                report = InstalledPackage.verify(root, keys);
            } catch (NotAPackageException | KeyFormatException e) {
                // Bad input, not a finding: 1 says the package's files differ from their manifest.
                CliMessages.printError(spec, e.getMessage());
                return Main.EXIT_USAGE;
            }
            PrintWriter o = spec.commandLine().getOut();
            report.problems().forEach(p -> o.println(root + ": " + p));
            o.println(root + ": " + (report.ok() ? "ok" : report.problems().size() + " problem(s)") + ": "
                    + report.entries() + " entries, image " + report.header().get("image") + ", version "
                    + report.header().get("version") + ", signature " + report.signature());
            o.flush();
            return report.ok() ? 0 : Main.EXIT_FAILURE;
        }
    }
}
