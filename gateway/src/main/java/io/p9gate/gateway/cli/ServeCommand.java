package io.p9gate.gateway.cli;

import io.p9gate.gateway.fs.NoAudit;
import io.p9gate.gateway.fs.ShareServerFactory;
import io.p9gate.gateway.policyadapter.OwnershipMode;
import io.p9gate.gateway.policyadapter.PolicyReloader;
import io.p9gate.gateway.server.Gateway;
import io.p9gate.gateway.server.GatewayConfig;
import io.p9gate.gateway.server.ListenSpec;
import io.p9gate.gateway.session.SessionSettings;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Collectors;
import io.p9gate.policy.PolicyHolder;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code p9gate serve}: shares directories over 9P2000.L until SIGTERM/SIGINT. */
@Command(name = "serve", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Serve directories over 9P2000.L until SIGTERM or SIGINT.")
final class ServeCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--share", paramLabel = "NAME=DIR",
            description = "A directory to serve under the attach name NAME (repeatable; development, no policy).")
    List<String> shares = new ArrayList<>();

    @Option(names = "--listen", paramLabel = "ADDRESS",
            description = "tcp:HOST:PORT or unix:PATH (repeatable; with --share only).")
    List<String> listens = new ArrayList<>();

    @Option(names = "--policy", paramLabel = "FILE",
            description = "Serve what this share policy says: each VM's listener and shares, every request "
                    + "decided for the VM of its listener. Excludes --share and --listen.")
    Path policy;

    @Option(names = "--ownership", paramLabel = "chown|xattr",
            description = "With --policy: keep the guests' mapped ids by chown (needs root) or in user.p9gate.* "
                    + "xattrs (unprivileged). Default: chown as root, else xattr.")
    String ownership;

    @Option(names = "--pid-file", paramLabel = "FILE",
            description = "Write the process id here (for 'p9gate policy reload --pid-file FILE').")
    Path pidFile;

    @Option(names = "--msize", paramLabel = "N", description = "Largest msize offered to clients (default: ${DEFAULT-VALUE}).")
    int msize = GatewayConfig.DEFAULT_MSIZE;

    @Option(names = "--workers", paramLabel = "N", description = "Threads serving requests (default: ${DEFAULT-VALUE}).")
    int workers = Math.max(4, 2 * Runtime.getRuntime().availableProcessors());

    @Option(names = "--max-outstanding", paramLabel = "N",
            description = "Requests served at once per connection (default: ${DEFAULT-VALUE}).")
    int maxOutstanding = SessionSettings.DEFAULT_MAX_OUTSTANDING;

    @Override
    public Integer call() throws IOException {
        if (policy != null) {
            return servePolicy();
        }
        if (shares.isEmpty() || listens.isEmpty()) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "give --policy FILE, or --share NAME=DIR and --listen ADDRESS");
        }
        Map<String, Path> shareMap = validatedShares();
        GatewayConfig config = validatedConfig(shareMap);
        Gateway gateway = Gateway.start(config);
        announce(gateway, config, shareMap);
        return awaitShutdown(gateway);
    }

    /** {@code --policy}: listeners, shares and decisions from the policy file; SIGHUP reloads it. */
    private int servePolicy() throws IOException {
        if (!shares.isEmpty() || !listens.isEmpty()) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--policy names each VM's listener and shares: do not combine it with --share or --listen");
        }
        OwnershipMode mode;
        try {
            mode = PolicyServe.ownership(ownership);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        PolicyHolder holder = PolicyServe.load(policy);
        PolicyReloader reloader = new PolicyReloader(holder);
        GatewayConfig config;
        try {
            config = PolicyServe.config(holder, PolicyServe.guards(holder, reloader, mode), new NoAudit(), msize,
                    workers, maxOutstanding);
        } catch (IllegalArgumentException | java.io.UncheckedIOException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        Gateway gateway = Gateway.start(config);
        reloader.reloadOnSighup();
        if (pidFile != null) {
            PolicyServe.writePidFile(pidFile);
        }
        PrintWriter out = spec.commandLine().getOut();
        holder.current().listeners().forEach((vm, listener) ->
                out.println("p9gate: VM " + vm + " on " + listener.describe()));
        out.println("p9gate: policy " + policy + " (sha256 " + holder.current().digest() + "); SIGHUP reloads it");
        out.flush();
        return awaitShutdown(gateway);
    }

    private static int awaitShutdown(Gateway gateway) {
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            gateway.close();
            stopped.countDown();
        }, "p9gate-shutdown"));
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            gateway.close();
        }
        return 0;
    }

    private Map<String, Path> validatedShares() {
        try {
            return ShareOption.parse(shares);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
    }

    private GatewayConfig validatedConfig(Map<String, Path> shareMap) {
        try {
            List<ListenSpec> listeners = listens.stream().map(ListenSpec::parse).toList();
            return new GatewayConfig(listeners, new ShareServerFactory(shareMap), msize, workers, maxOutstanding);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
    }

    private void announce(Gateway gateway, GatewayConfig config, Map<String, Path> shareMap) {
        PrintWriter out = spec.commandLine().getOut();
        String shareList = shareMap.entrySet().stream().map(e -> e.getKey() + " -> " + e.getValue())
                .collect(Collectors.joining(", "));
        List<SocketAddress> bound = gateway.boundAddresses();
        for (int i = 0; i < bound.size(); i++) {
            out.println("p9gate: listening on " + describe(config.listeners().get(i), bound.get(i))
                    + " (share" + (shareMap.size() > 1 ? "s " : " ") + shareList + ")");
        }
        out.flush();
        PrintWriter err = spec.commandLine().getErr();
        err.println("p9gate: WARNING: no policy is enforced; every client may read and write every share");
        err.flush();
    }

    /** The listener as given, with the actual port when the user asked for port 0. */
    private static String describe(ListenSpec listener, SocketAddress bound) {
        if (listener instanceof ListenSpec.Tcp tcp && bound instanceof InetSocketAddress inet) {
            return new ListenSpec.Tcp(tcp.host(), inet.getPort()).describe();
        }
        return listener.describe();
    }
}
