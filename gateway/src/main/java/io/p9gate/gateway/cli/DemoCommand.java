package io.p9gate.gateway.cli;

import io.p9gate.audit.AuditOptions;
import io.p9gate.audit.AuditWriteException;
import io.p9gate.audit.note.KeyFiles;
import io.p9gate.audit.note.KeyFormatException;
import io.p9gate.audit.note.SigningKey;
import io.p9gate.audit.read.PrintableText;
import io.p9gate.gateway.auditing.SignedAuditTrail;
import io.p9gate.gateway.fs.GatewayEvent;
import io.p9gate.gateway.policyadapter.OwnershipMode;
import io.p9gate.gateway.policyadapter.PolicyListeners;
import io.p9gate.gateway.policyadapter.PolicyReloader;
import io.p9gate.gateway.policyadapter.PolicyShares;
import io.p9gate.gateway.policyadapter.ServedPolicyCheck;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.server.Gateway;
import io.p9gate.gateway.server.GatewayConfig;
import io.p9gate.gateway.server.ListenSpec;
import io.p9gate.gateway.session.SessionSettings;
import io.p9gate.gateway.wiring.ShareServerFactory;
import io.p9gate.gateway.wiring.ThisProcess;
import io.p9gate.policy.PolicyCheck;
import io.p9gate.policy.PolicyHolder;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code p9gate demo}: serves a scratch copy of the bundled demo share on loopback under the demo
 * policy (policies/demo.yaml) with a signed audit log, so a new user sees the gateway work without
 * writing any configuration and without the repository being modified. See docs/cli.md.
 */
@Command(
        name = "demo",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = "Serve a scratch copy of the bundled demo share (src/demo/share) on 127.0.0.1 "
                + "and a Unix socket until Ctrl-C.")
final class DemoCommand implements Callable<Integer> {
    static final String SHARE_NAME = "demo";
    /** The VM the demo policy names; the TCP listener is mapped to it too. */
    static final String VM = "demo";
    /** The placeholder directory policies/demo.yaml is written with. */
    static final String POLICY_PREFIX = "/var/tmp/p9gate-demo";

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--port", paramLabel = "PORT", description = "TCP port on 127.0.0.1 (default: ${DEFAULT-VALUE}).")
    int port = 5640;

    @Option(
            names = "--socket",
            paramLabel = "PATH",
            description =
                    "Unix socket path (default: $XDG_RUNTIME_DIR/p9gate-demo.sock, else /tmp/p9gate-demo-UID.sock).")
    Path socket;

    @Option(names = "--keep", description = "Keep the scratch copy on exit (its path is printed).")
    boolean keep;

    @Override
    public Integer call() throws IOException, AuditWriteException, P9Exception {
        Path source = DemoFiles.bundledShare();
        Path socketPath = socket != null ? socket.toAbsolutePath() : DemoFiles.defaultSocket();
        ListenSpec tcp;
        try {
            tcp = new ListenSpec.Tcp("127.0.0.1", port);
            new ListenSpec.Unix(socketPath);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        Path scratch = DemoFiles.scratchCopy(source);
        SignedAuditTrail trail = null;
        Gateway gateway;
        ShareServerFactory shares = null;
        try {
            PolicyHolder holder = PolicyServe.load(DemoFiles.demoPolicy(scratch, socketPath), DemoFiles.check(scratch));
            trail = DemoFiles.auditTrail(scratch);
            PolicyReloader reloader = new PolicyReloader(holder);
            shares = new ShareServerFactory(
                    new PolicyShares(
                            holder,
                            PolicyServe.guards(holder, reloader, OwnershipMode.automatic(ThisProcess.INSTANCE)),
                            Map.of(tcp.describe(), VM)),
                    trail);
            List<ListenSpec> listeners = new ArrayList<>(PolicyListeners.of(holder.current()));
            listeners.add(tcp);
            GatewayConfig config = new GatewayConfig(
                    listeners,
                    shares,
                    GatewayConfig.DEFAULT_MSIZE,
                    Math.max(4, 2 * Runtime.getRuntime().availableProcessors()),
                    SessionSettings.DEFAULT_MAX_OUTSTANDING,
                    0,
                    PolicyServe.budgets(holder, reloader, Map.of(tcp.describe(), VM), GatewayConfig.DEFAULT_MSIZE));
            config.budgets().onConnectionRefused(new RefusedConnections(trail));
            trail.lifecycle(new GatewayEvent.Started(ConfigDigest.of(config, Map.of()), "demo"));
            trail.lifecycle(new GatewayEvent.PolicyLoaded(holder.current().digest(), false, "policies/demo.yaml"));
            try {
                gateway = Gateway.start(config);
            } catch (IOException e) {
                // The gateway's message names the listener that failed ("cannot listen on tcp:…: why"); said
                // again in front of it, the line read "cannot listen on A or B: cannot listen on A: why".
                String why = e.getMessage() != null && e.getMessage().startsWith("cannot listen on ")
                        ? e.getMessage()
                        : "cannot listen on " + tcp.describe() + " or unix:" + socketPath + ": " + e.getMessage();
                throw new IOException(why + " (try --port or --socket)", e);
            }
        } catch (IOException | AuditWriteException | P9Exception | RuntimeException e) {
            stop(shares, trail, scratch, false);
            throw e;
        }
        announce(source, scratch, socketPath);
        SignedAuditTrail servedTrail = trail;
        // The gateway closes its shares as it closes.
        Foreground.runUntilStopped(gateway, () -> stop(null, servedTrail, scratch, keep));
        return 0;
    }

    /** Closes the shares and the audit log (its final checkpoint), then deletes the scratch copy unless kept. */
    private static void stop(ShareServerFactory shares, SignedAuditTrail trail, Path scratch, boolean keepScratch) {
        if (shares != null) {
            shares.close();
        }
        if (trail != null) {
            try {
                trail.close();
            } catch (AuditWriteException e) {
                System.err.println("p9gate demo: audit log: final checkpoint failed: " + e.getMessage());
            }
        }
        if (!keepScratch) {
            DemoFiles.deleteTree(scratch);
        }
    }

    private void announce(Path source, Path scratch, Path socketPath) {
        PrintWriter out = spec.commandLine().getOut();
        out.println("p9gate demo: serving a scratch copy of " + source + " as share \"" + SHARE_NAME + "\"");
        out.println("  scratch dir: " + scratch.resolve("share") + (keep ? " (kept on exit)" : ""));
        out.println("  listening:   tcp:127.0.0.1:" + port);
        out.println("  listening:   unix:" + socketPath);
        out.println("  policy:      " + scratch.resolve("policy.yaml")
                + " (from policies/demo.yaml: /maps read-only, /calibration hidden, 256 MiB quota)");
        out.println(
                "  audit log:   " + scratch.resolve("audit") + " (signed with " + scratch.resolve("audit.key") + ")");
        out.println("mount it from a Linux guest that can reach this host's 127.0.0.1:" + port + ":");
        out.println("  mount -t 9p -o trans=tcp,port=" + port + ",version=9p2000.L,aname=" + SHARE_NAME
                + " 127.0.0.1 /mnt");
        DemoFiles.guestHarness().ifPresent(runGuest -> {
            out.println("or boot a throwaway test guest that mounts it and runs a smoke test:");
            out.println("  " + runGuest + " --server 127.0.0.1:" + port + " --aname " + SHARE_NAME + " --script "
                    + runGuest.resolveSibling("examples/smoke.sh"));
        });
        String p9gate = launcher(DemoFiles.home(), Path.of("").toAbsolutePath());
        out.println("review what the guest did, live:");
        out.println("  " + p9gate + " audit show --log " + scratch.resolve("audit") + " --follow");
        out.println("  " + p9gate + " audit verify --log " + scratch.resolve("audit") + " --key "
                + scratch.resolve("audit.pub"));
        out.println("check that it enforces its policy (compliance suite, reports in " + scratch.resolve("compliance")
                + "):");
        out.println("  " + complianceCommand(p9gate, scratch));
        out.println(stopLine(scratch, keep));
        out.flush();
    }

    /** The last line of the announcement: what Ctrl-C does to the scratch copy, and where a kept one stays. */
    static String stopLine(Path scratch, boolean keep) {
        return keep
                ? "Ctrl-C stops the demo and keeps the scratch copy " + scratch
                        + " (its audit log can still be verified)."
                : "Ctrl-C stops the demo and deletes the scratch copy (--keep keeps it).";
    }

    /**
     * How the printed commands start: {@code ./p9gate} in the checkout, else the checkout's launcher by its path. A
     * demo started from another directory ({@code ~/src/p9gate/p9gate demo}, or a link in a {@code bin} directory)
     * printed {@code ./p9gate ...} all the same, which that shell does not find.
     */
    static String launcher(Path home, Path cwd) {
        Path root = home.toAbsolutePath().normalize();
        return root.equals(cwd.toAbsolutePath().normalize())
                ? "./p9gate"
                : root.resolve("p9gate").toString();
    }

    /** The one command that runs the compliance suite against the demo (docs/compliance.md). */
    static String complianceCommand(String p9gate, Path scratch) {
        return p9gate + " compliance run --policy " + scratch.resolve("policy.yaml") + " --audit-log "
                + scratch.resolve("audit") + " --audit-pub " + scratch.resolve("audit.pub") + " --report "
                + scratch.resolve("compliance");
    }

    /** Where the demo's files come from and go to. */
    static final class DemoFiles {
        private DemoFiles() {}

        /** The installation root: the launcher passes -Dp9gate.home; otherwise the nearest ancestor of the cwd with src/demo. */
        static Path home() {
            String home = System.getProperty("p9gate.home");
            if (home != null) {
                return Path.of(home);
            }
            for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
                if (Files.isDirectory(dir.resolve("src/demo/share"))) {
                    return dir;
                }
            }
            throw new IllegalStateException("cannot find the bundled demo share (src/demo/share); run ./p9gate demo "
                    + "from the p9gate checkout or distribution");
        }

        /** policies/demo.yaml with its placeholder paths pointed at the scratch dir and the chosen socket. */
        static Path demoPolicy(Path scratch, Path socketPath) throws IOException {
            Path template = home().resolve("policies/demo.yaml");
            String yaml = Files.readString(template)
                    .replace("unix:" + POLICY_PREFIX + "/demo.sock", "unix:" + socketPath)
                    .replace(POLICY_PREFIX, scratch.toString());
            return Files.writeString(scratch.resolve("policy.yaml"), yaml);
        }

        /** What the demo checks of its policy, as serve does: its key and log beside the share, never inside (R-POL-9). */
        static PolicyCheck check(Path scratch) {
            return new ServedPolicyCheck(
                    GatewayState.of(scratch.resolve("audit"), scratch.resolve("audit.key"), null),
                    OwnershipMode.automatic(ThisProcess.INSTANCE),
                    ThisProcess.INSTANCE);
        }

        /** A fresh signing key and log beside (never inside) the share, as R-POL-9 asks. */
        static SignedAuditTrail auditTrail(Path scratch) throws IOException, AuditWriteException {
            SigningKey key = SigningKey.generate("p9gate-demo", new SecureRandom());
            try {
                KeyFiles.writeKeyPair(key, scratch.resolve("audit.key"), scratch.resolve("audit.pub"));
            } catch (KeyFormatException e) {
                throw new IOException("cannot write the demo's audit key: " + e.getMessage(), e);
            }
            return SignedAuditTrail.open(scratch.resolve("audit"), key, AuditOptions.defaults("p9gate/" + key.name()))
                    .holdingLooks(); // served only through sessions, which write them before their replies
        }

        static Path bundledShare() {
            Path share = home().resolve("src/demo/share");
            if (!Files.isDirectory(share)) {
                throw new IllegalStateException("the bundled demo share is missing: " + share);
            }
            return share;
        }

        static Path defaultSocket() {
            String runtime = System.getenv("XDG_RUNTIME_DIR");
            if (runtime != null && Files.isDirectory(Path.of(runtime))) {
                return Path.of(runtime, "p9gate-demo.sock");
            }
            return Path.of(System.getProperty("java.io.tmpdir"), "p9gate-demo-" + uid() + ".sock");
        }

        private static String uid() {
            try {
                return String.valueOf(Files.getAttribute(Path.of("/proc/self"), "unix:uid"));
            } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
                return System.getProperty("user.name", "user");
            }
        }

        /** ../shared/guest/run-guest.sh beside the installation, if this machine has the test harness. */
        static Optional<Path> guestHarness() {
            Path runGuest = home().toAbsolutePath().resolveSibling("shared/guest/run-guest.sh");
            return Files.isExecutable(runGuest) ? Optional.of(runGuest.normalize()) : Optional.empty();
        }

        /**
         * Copies the demo share into a fresh directory; both are 0755 because the Linux client's
         * first attach is done as "nobody", which must be able to reach the share.
         */
        static Path scratchCopy(Path source) throws IOException {
            Path scratch = Files.createTempDirectory("p9gate-demo-");
            Files.setPosixFilePermissions(scratch, PosixFilePermissions.fromString("rwxr-xr-x"));
            Path target = scratch.resolve("share");
            try (Stream<Path> tree = Files.walk(source)) {
                tree.forEach(from ->
                        copy(from, target.resolve(source.relativize(from).toString())));
            } catch (UncheckedIOException e) {
                deleteTree(scratch);
                throw e.getCause();
            }
            return scratch;
        }

        private static void copy(Path from, Path to) {
            try {
                Files.copy(from, to, StandardCopyOption.COPY_ATTRIBUTES);
                if (Files.isDirectory(to)) {
                    Files.setPosixFilePermissions(to, PosixFilePermissions.fromString("rwxr-xr-x"));
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        /** Best effort: a demo that cannot delete its scratch copy says where it is. */
        static void deleteTree(Path root) {
            try {
                Files.walkFileTree(root, new SimpleFileVisitor<>() {
                    @Override
                    public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                        Files.delete(file);
                        return FileVisitResult.CONTINUE;
                    }

                    @Override
                    public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
                        Files.delete(dir);
                        return FileVisitResult.CONTINUE;
                    }
                });
            } catch (IOException e) {
                // The failing path holds names the guest chose: escaped, so they cannot drive the operator's terminal.
                System.err.println(PrintableText.escape(
                        "p9gate demo: could not delete the scratch copy " + root + ": " + e.getMessage()));
            }
        }
    }
}
