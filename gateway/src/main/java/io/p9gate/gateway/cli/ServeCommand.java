package io.p9gate.gateway.cli;

import io.p9gate.audit.note.FileReason;
import io.p9gate.audit.read.HostAbi;
import io.p9gate.gateway.auditing.DataOnLogFilesystem;
import io.p9gate.gateway.auditing.SignedAuditTrail;
import io.p9gate.gateway.fs.AuditTrail;
import io.p9gate.gateway.fs.GatewayEvent;
import io.p9gate.gateway.fs.NoAudit;
import io.p9gate.gateway.metrics.MetricsAddress;
import io.p9gate.gateway.metrics.MetricsEndpoint;
import io.p9gate.gateway.policyadapter.BoundSocketFiles;
import io.p9gate.gateway.policyadapter.OwnershipMode;
import io.p9gate.gateway.policyadapter.PolicyListeners;
import io.p9gate.gateway.policyadapter.ServedPolicyCheck;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.server.Gateway;
import io.p9gate.gateway.server.GatewayConfig;
import io.p9gate.gateway.server.ListenSpec;
import io.p9gate.gateway.server.ServerTls;
import io.p9gate.gateway.session.SessionSettings;
import io.p9gate.gateway.systemd.ServiceNotifier;
import io.p9gate.gateway.wiring.ThisProcess;
import io.p9gate.policy.PolicyCheck;
import io.p9gate.policy.PolicyHolder;
import io.p9gate.policy.protect.StatePath;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code p9gate serve}: shares directories over 9P2000.L until SIGTERM/SIGINT. */
@Command(
        name = "serve",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = "Serve directories over 9P2000.L until SIGTERM or SIGINT.")
final class ServeCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(
            names = "--share",
            paramLabel = "NAME=DIR",
            description = "A directory to serve under the attach name NAME (repeatable; development, no policy).")
    List<String> shares = new ArrayList<>();

    @Option(
            names = "--listen",
            paramLabel = "ADDRESS",
            description = "tcp:HOST:PORT[%%DEVICE] or unix:PATH (repeatable; with --share only).")
    List<String> listens = new ArrayList<>();

    @Option(
            names = "--policy",
            paramLabel = "FILE",
            description = "Serve what this share policy says: each VM's listener and shares, every request "
                    + "decided for the VM of its listener. Excludes --share and --listen.")
    Path policy;

    @Option(
            names = "--ownership",
            paramLabel = "chown|xattr",
            description = "With --policy: keep the guests' mapped ids by chown (needs root) or in user.p9gate.* "
                    + "xattrs (unprivileged). Default: chown as root, else xattr.")
    String ownership;

    @Option(
            names = "--profile",
            paramLabel = "production|development",
            description = "production refuses every development convenience (no policy, no signed audit log, "
                    + "plain TCP, a key or policy others can read, a key, policy, CA or VM socket other host users "
                    + "can change or connect to, JVM options from the environment); default: ${DEFAULT-VALUE}.")
    String profile = "development";

    @Option(
            names = "--pid-file",
            paramLabel = "FILE",
            description = "With --policy: write the process id here (for 'p9gate policy reload --pid-file FILE').")
    Path pidFile;

    @Option(
            names = "--msize",
            paramLabel = "BYTES",
            description = "Largest msize offered to clients (default: ${DEFAULT-VALUE}).")
    int msize = GatewayConfig.DEFAULT_MSIZE;

    @Option(
            names = "--workers",
            paramLabel = "N",
            description = "Threads serving requests at normal priority; as many again run at a lower one"
                    + " (default: twice the CPU cores, at least 4).")
    int workers = Math.max(4, 2 * Runtime.getRuntime().availableProcessors());

    @Option(
            names = "--max-outstanding",
            paramLabel = "N",
            description = "Requests served at once per connection (default: ${DEFAULT-VALUE}).")
    int maxOutstanding = SessionSettings.DEFAULT_MAX_OUTSTANDING;

    @Option(
            names = "--iounit",
            paramLabel = "BYTES",
            description = "Most payload bytes per read/write request, below what msize allows (0 = no limit; "
                    + "default: ${DEFAULT-VALUE}).")
    int iounit = 0;

    @Option(
            names = "--metrics",
            paramLabel = "unix:PATH|tcp:HOST:PORT",
            description = "Serve Prometheus metrics (GET /metrics) here: a unix socket (mode 0600) or loopback tcp; "
                    + "counted from the audit records, so it needs --audit-dir. Read them with 'p9gate status'.")
    String metrics;

    @CommandLine.Mixin
    AuditOption audit = new AuditOption();

    @CommandLine.Mixin
    TlsOption tlsOption = new TlsOption();

    /** The gateway's TLS certificate and key, loaded with the policy; null without --tls-cert. */
    private ServerTls tls;

    /** The gateway once its listeners are bound, for the metrics. */
    private final AtomicReference<Gateway> running = new AtomicReference<>();

    /** systemd's notification socket, when run as a Type=notify unit; silent otherwise. */
    private final ServiceNotifier systemd = ServiceNotifier.fromEnvironment(
            System.getenv(), ProcessHandle.current().pid());

    @Override
    public Integer call() throws IOException, AuditOption.AuditUnavailable {
        HostAbi.host(); // an architecture whose kernel values are not known is refused by name, before anything runs
        boolean production = production();
        refuseBadLimits();
        MetricsAddress metricsAddress = metricsAddress();
        PolicyHolder holder = policy != null ? loadPolicy() : null;
        tls = tlsOption.load(spec.commandLine());
        if (tls != null && holder == null) {
            throw new CommandLine.ParameterException(
                    spec.commandLine(), "--tls-cert is for the tls: listeners of a policy: give --policy FILE");
        }
        if (pidFile != null && holder == null) {
            // The pid file is for 'policy reload' (SIGHUP); without a policy it was silently not written.
            throw new CommandLine.ParameterException(
                    spec.commandLine(), "--pid-file is for reloading a policy: give --policy FILE");
        }
        if (pidFile != null) {
            try {
                PidFileDirectory.refuseUnsafe(pidFile);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
            }
        }
        if (ownership != null && holder == null) {
            // Without a policy no guest id is mapped, so there is no ownership to keep: the option did nothing.
            throw new CommandLine.ParameterException(
                    spec.commandLine(), "--ownership keeps the mapped ids of a policy's shares: give --policy FILE");
        }
        if (production) {
            refuseUnlessProductionReady(holder, metricsAddress);
        }
        ServeMode served = holder != null ? fromPolicy(holder) : fromShares();
        // Served only through sessions, which write the records they hold before their replies leave.
        AuditTrail trail =
                audit.enabled() ? audit.open(spec.commandLine(), served.vms()).holdingLooks() : new NoAudit();
        ServeNotices notices = new ServeNotices(spec.commandLine(), audit);
        if (trail instanceof SignedAuditTrail signed) {
            DataOnLogFilesystem data = new DataOnLogFilesystem(audit.dir, served::shareDir);
            if (audit.minFree > 0) {
                // Only a free-space reserve counts what changes take (DiskBudget): without one, no lookup per change.
                signed.countDataOnLogFilesystem(data);
            }
            notices.warnAboutSharesBesideTheLog(served, data);
            AuditDiskRoom.warning(audit.dir, audit.maxBytes, audit.minFree).ifPresent(notices::warn);
        }
        GatewayConfig config;
        try {
            config = served.config(trail);
        } catch (RuntimeException e) {
            ServeClosing.audit(trail, spec.commandLine().getErr());
            throw e;
        }
        config.budgets().onConnectionRefused(new RefusedConnections(trail));
        notices.warnAboutBudgets(config);
        Gateway gateway;
        MetricsEndpoint endpoint = null;
        try {
            endpoint = metricsAddress != null
                    ? ServeMetrics.start(
                            metricsAddress,
                            trail,
                            config,
                            served,
                            running::get,
                            spec.commandLine().getOut())
                    : null;
            trail.lifecycle(new GatewayEvent.Started(ConfigDigest.of(config, served.shares()), null));
            served.loaded(trail);
            gateway = Gateway.start(config, served.identifier(trail));
            running.set(gateway);
            served.started(gateway, config);
        } catch (P9Exception e) {
            ServeMetrics.close(endpoint, spec.commandLine().getErr());
            ServeClosing.gatewayOrHandlers(running.get(), config);
            ServeClosing.audit(trail, spec.commandLine().getErr());
            throw new IOException("cannot record the start in the audit log: " + e.getMessage(), e);
        } catch (IOException | RuntimeException e) {
            ServeMetrics.close(endpoint, spec.commandLine().getErr());
            ServeClosing.gatewayOrHandlers(running.get(), config);
            ServeClosing.audit(trail, spec.commandLine().getErr());
            throw e;
        }
        MetricsEndpoint servingMetrics = endpoint;
        notices.announceAudit();
        systemd.ready(served.status() + (audit.enabled() ? "; audit log " + audit.dir : ""));
        // The pings show the JVM runs (not wedged in GC or a safepoint); the event loops are not probed yet.
        systemd.startWatchdog(() -> true);
        Foreground.runUntilStopped(
                gateway, () -> systemd.stopping("stopping: closing sessions, final audit checkpoint"), () -> {
                    ServeMetrics.close(
                            servingMetrics, spec.commandLine().getErr()); // the gateway closed its share handles
                    ServeClosing.audit(trail, spec.commandLine().getErr());
                    systemd.close();
                });
        return 0;
    }

    /** {@code --share/--listen}: a development convenience, every request allowed. */
    private ServeMode fromShares() {
        if (shares.isEmpty() || listens.isEmpty()) {
            throw new CommandLine.ParameterException(
                    spec.commandLine(), "give --policy FILE, or --share NAME=DIR and --listen ADDRESS");
        }
        Map<String, Path> shareMap = validatedShares();
        GatewayState.refusal(shareMap, gatewayState()).ifPresent(why -> {
            throw new CommandLine.ParameterException(spec.commandLine(), why);
        });
        return new ShareServeMode(spec.commandLine(), shareMap, listens, limits());
    }

    private boolean production() {
        return switch (profile) {
            case "production" -> true;
            case "development" -> false;
            default ->
                throw new CommandLine.ParameterException(
                        spec.commandLine(), "--profile must be production or development, not '" + profile + "'");
        };
    }

    /** {@code --metrics}, checked before anything is opened; null without it. */
    private MetricsAddress metricsAddress() {
        if (metrics == null) {
            return null;
        }
        if (!audit.enabled()) {
            throw new CommandLine.ParameterException(
                    spec.commandLine(),
                    "--metrics counts what the audit log records: give --audit-dir DIR and --audit-key FILE");
        }
        try {
            return MetricsAddress.parse(metrics);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
    }

    /** R-DEP-4: every reason at once, on one line, before a log or a listener is opened. */
    private void refuseUnlessProductionReady(PolicyHolder holder, MetricsAddress metricsAddress) {
        List<ListenSpec> listeners;
        try {
            listeners = holder != null
                    ? PolicyListeners.of(holder.current(), tls)
                    : listens.stream().map(ListenSpec::parse).toList();
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        List<String> why = new ArrayList<>(ProductionProfile.refusals(new ProductionProfile.ServePlan(
                holder != null ? holder.current().policy() : null,
                listeners,
                audit.dir,
                audit.key,
                tlsOption.key,
                metricsAddress,
                audit.hasDiskBudget())));
        why.addAll(EnvironmentJvmOptions.refusals(System.getenv()));
        if (!why.isEmpty()) {
            throw new CommandLine.ParameterException(
                    spec.commandLine(), "production profile refuses to start: " + String.join("; ", why));
        }
    }

    /**
     * {@code --policy FILE}, loaded with this gateway's own checks (R-POL-9 for the audit log, key and pid file),
     * so that the production profile can look at what it names before anything is opened.
     */
    private PolicyHolder loadPolicy() throws IOException {
        if (!shares.isEmpty() || !listens.isEmpty()) {
            throw new CommandLine.ParameterException(
                    spec.commandLine(),
                    "--policy names each VM's listener and shares: do not combine it with --share or --listen");
        }
        // Bad input, exit 2 as --audit-key and --tls-cert: it was 1, a start that failed (BadInputExitCodeTest).
        FileReason.notARegularFile(policy).ifPresent(why -> {
            throw new CommandLine.ParameterException(spec.commandLine(), why);
        });
        PolicyCheck state = new ServedPolicyCheck(gatewayState(), ownershipMode(), ThisProcess.INSTANCE);
        PolicyCheck sockets = new BoundSocketFiles();
        PolicyCheck served = file -> {
            state.check(file);
            sockets.check(file);
        };
        return PolicyServe.load(policy, production() ? new ProductionReloadCheck(served) : served);
    }

    private OwnershipMode ownershipMode() {
        try {
            return PolicyServe.ownership(ownership);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
    }

    /** {@code --policy}: listeners, shares and decisions from the policy file; SIGHUP reloads it. */
    private ServeMode fromPolicy(PolicyHolder holder) {
        return new PolicyServeMode(
                spec.commandLine(), policy, holder, ownershipMode(), tls, limits(), systemd, pidFile);
    }

    /** What no share may reach besides the policy's own files (R-POL-9), checked before anything is created. */
    private List<StatePath> gatewayState() {
        List<StatePath> state = new ArrayList<>(GatewayState.of(audit.dir, audit.key, pidFile));
        state.addAll(tlsOption.state());
        if (metricsAddress() instanceof MetricsAddress.Unix unix) {
            // A guest that can replace the socket chooses what the collector and 'p9gate status' are told.
            state.add(new StatePath("metrics socket", unix.path()));
        }
        return state;
    }

    /**
     * The numbers and --listen addresses, before anything is opened: found later, a refused command line had
     * already created the audit log and written a start and a shutdown for a gateway that never served.
     */
    private void refuseBadLimits() {
        try {
            GatewayConfig.checkLimits(msize, workers, maxOutstanding, iounit);
            listens.forEach(ListenSpec::parse);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
    }

    private ServeLimits limits() {
        return new ServeLimits(msize, workers, maxOutstanding, iounit);
    }

    private Map<String, Path> validatedShares() {
        try {
            return ShareOption.parse(shares);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
    }
}
