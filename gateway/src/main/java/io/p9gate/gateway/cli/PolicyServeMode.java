package io.p9gate.gateway.cli;

import io.p9gate.gateway.fs.AuditTrail;
import io.p9gate.gateway.fs.GatewayEvent;
import io.p9gate.gateway.metrics.QuotaScope;
import io.p9gate.gateway.policyadapter.OwnershipMode;
import io.p9gate.gateway.policyadapter.PolicyPeers;
import io.p9gate.gateway.policyadapter.PolicyReloader;
import io.p9gate.gateway.policyadapter.ReloadOutcomeFile;
import io.p9gate.gateway.policyadapter.SessionGuards;
import io.p9gate.gateway.policyadapter.TransportChecks;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.server.Gateway;
import io.p9gate.gateway.server.GatewayConfig;
import io.p9gate.gateway.server.PeerIdentifier;
import io.p9gate.gateway.server.ServerTls;
import io.p9gate.gateway.systemd.ServiceNotifier;
import io.p9gate.gateway.wiring.ShareServerFactory;
import io.p9gate.policy.PolicyHolder;
import io.p9gate.policy.model.ListenerSpec;
import io.p9gate.policy.model.SharePolicy;
import io.p9gate.policy.model.VmPolicy;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.BiConsumer;
import java.util.function.Supplier;
import picocli.CommandLine;

/** {@code --policy}: listeners, shares and decisions from the policy file; SIGHUP reloads it. */
final class PolicyServeMode implements ServeMode {
    private final CommandLine cli;
    private final Path policy;
    private final PolicyHolder holder;
    private final OwnershipMode mode;
    private final ServerTls tls;
    private final ServeLimits limits;
    private final ServiceNotifier systemd;
    private final Path pidFile;
    private final PolicyReloader reloader;
    private final TransportChecks transport;
    private SessionGuards guards;

    /** Checks each share's host directory first; {@code tls} and {@code pidFile} may be null. */
    PolicyServeMode(
            CommandLine cli,
            Path policy,
            PolicyHolder holder,
            OwnershipMode mode,
            ServerTls tls,
            ServeLimits limits,
            ServiceNotifier systemd,
            Path pidFile) {
        this.cli = cli;
        this.policy = policy;
        this.holder = holder;
        this.mode = mode;
        this.tls = tls;
        this.limits = limits;
        this.systemd = systemd;
        this.pidFile = pidFile;
        refuseMissingShareDirectories();
        this.reloader = new PolicyReloader(holder);
        this.transport = TransportChecks.watch(holder, reloader, w -> {
            PrintWriter err = cli.getErr();
            err.println("p9gate: WARNING: " + w);
            err.flush();
        });
    }

    @Override
    public Map<String, Path> shares() {
        return Map.of();
    }

    @Override
    public Supplier<Map<String, Instant>> crlNextUpdates() {
        return transport::crlNextUpdates;
    }

    @Override
    public GatewayConfig config(AuditTrail trail) {
        try {
            guards = PolicyServe.guards(holder, reloader, mode);
            return PolicyServe.config(
                    holder,
                    guards,
                    trail,
                    tls,
                    reloader,
                    limits.msize(),
                    limits.workers(),
                    limits.maxOutstanding(),
                    limits.iounit());
        } catch (IllegalArgumentException | UncheckedIOException e) {
            throw new CommandLine.ParameterException(cli, e.getMessage());
        }
    }

    @Override
    public Supplier<List<QuotaScope>> quotaScopes() {
        return () -> PolicyServe.quotaScopes(guards.quotas());
    }

    @Override
    public void loaded(AuditTrail trail) throws P9Exception {
        trail.lifecycle(new GatewayEvent.PolicyLoaded(holder.current().digest(), false, policy.toString()));
        PolicyServe.recordReloads(trail, reloader, cli.getErr());
    }

    @Override
    public void started(Gateway gateway, GatewayConfig config) throws IOException {
        reloader.onReload(result -> systemd.status(
                switch (result) {
                    case PolicyHolder.ReloadResult.Loaded loaded ->
                        "policy reloaded (sha256 " + loaded.newDigest() + ")";
                    case PolicyHolder.ReloadResult.Kept kept ->
                        "policy reload refused, keeping sha256 " + kept.digest() + ": " + kept.reason();
                }));
        PolicyServe.closeRemovedVms(holder, reloader, gateway, cli.getErr());
        PolicyServe.closeNoLongerIdentified(holder, reloader, gateway, cli.getErr());
        if (config.handlers() instanceof ShareServerFactory sessions) {
            PolicyServe.closeTakenShares(reloader, sessions, gateway, cli.getErr());
        }
        reloader.reloadOnSighup();
        if (pidFile != null) {
            PolicyServe.writePidFile(pidFile);
            ReloadOutcomeFile.reportBeside(pidFile, holder, reloader, transport::warnings);
        }
        PrintWriter out = cli.getOut();
        holder.current()
                .listeners()
                .forEach((vm, listener) ->
                        out.println("p9gate: VM " + vm + " on " + listener.describe() + whereItIs(listener)));
        out.println("p9gate: policy " + policy + " (sha256 " + holder.current().digest() + "); SIGHUP reloads it");
        out.flush();
    }

    @Override
    public int vms() {
        return holder.current().listeners().size();
    }

    @Override
    public Optional<Path> shareDir(String vm, String share) {
        return Optional.ofNullable(holder.current().policy().vms().get(vm))
                .map(v -> v.shares().get(share))
                .map(s -> s.hostDir());
    }

    @Override
    public Map<String, Path> shareDirs() {
        Map<String, Path> dirs = new TreeMap<>();
        forEachShare((vm, s) -> dirs.put("share " + s.name() + " of VM " + vm.id(), s.hostDir()));
        return dirs;
    }

    @Override
    public String status() {
        return "serving " + holder.current().listeners().size() + " VM(s) under policy sha256 "
                + holder.current().digest();
    }

    @Override
    public PeerIdentifier identifier(AuditTrail trail) {
        PolicyPeers peers = new PolicyPeers(holder::current, trail);
        reloader.beforeSwap(peers::prepare); // trust material read by the reload, not by a VM's first request
        return peers;
    }

    /** Each share's host directory, before the audit log is opened, as {@code --share} checks its DIR. */
    private void refuseMissingShareDirectories() {
        ShareDirectory.Checks directories = new ShareDirectory.Checks();
        try {
            forEachShare((vm, share) -> directories.require(
                    policy + ": VM '" + vm.id() + "', share '" + share.name() + "'", share.hostDir()));
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(cli, e.getMessage());
        }
        directories.requireAllThere();
    }

    /** Every share of the policy in force, with its VM. */
    private void forEachShare(BiConsumer<VmPolicy, SharePolicy> action) {
        holder.current()
                .policy()
                .vms()
                .values()
                .forEach(vm -> vm.shares().values().forEach(share -> action.accept(vm, share)));
    }

    /**
     * Where a socket really is when a link on its path leads elsewhere: the directory there, not the link's, decides
     * who can replace it (the production profile checks both, docs/deploy.md). Empty otherwise.
     */
    private static String whereItIs(ListenerSpec listener) {
        if (!(listener instanceof ListenerSpec.UnixSocket unix)) {
            return "";
        }
        Path given = unix.path().toAbsolutePath().normalize();
        try {
            // From the path as written: the kernel follows a link before a ".." after it.
            Path real = unix.path().toAbsolutePath().getParent().toRealPath().resolve(given.getFileName());
            return real.equals(given) ? "" : " (the socket is " + real + ": a link on its path leads there)";
        } catch (IOException e) {
            return "";
        }
    }
}
