package io.p9gate.gateway.policyadapter;

import io.p9gate.gateway.certs.Pem;
import io.p9gate.policy.PolicyEngine;
import io.p9gate.policy.PolicyHolder;
import io.p9gate.policy.lint.UnknownHostAccounts;
import io.p9gate.policy.model.ListenerSpec;
import io.p9gate.policy.model.VmPolicy;
import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.cert.X509CRL;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * What a policy's transports leave to the host that should not pass in silence, checked once per load and reload
 * (never per connection), one warning line each: a CRL past its nextUpdate, and a directory of a VM's Unix socket,
 * or one above it, that another host user may change. Neither is refused: a stale CRL still revokes what it lists, and refusing
 * every handshake of its CA would lock out every VM the day its refresh is late; the socket works, but another
 * user can unlink it (the VM can no longer connect until the gateway restarts). Also a {@code peer:} account this host
 * does not know (every connection of its VM is refused), and a share directory of a reloaded
 * policy that is not there ({@link MissingShareDirectories}): the next restart waits for it. Keeps each CRL's
 * nextUpdate for the metrics.
 */
public final class TransportChecks {
    private static final System.Logger LOG = System.getLogger(TransportChecks.class.getName());

    private volatile Map<String, Instant> crlNextUpdates = Map.of();
    private volatile List<String> warnings = List.of();

    /**
     * Checks the policy in force now, saying each warning to {@code atStart}, and again after each reload that is
     * taken, logging each warning then. At start the share directories are not looked at: serve has refused a policy
     * with one missing or no directory just before (PolicyServeMode.refuseMissingShareDirectories).
     */
    public static TransportChecks watch(PolicyHolder holder, PolicyReloader reloader, Consumer<String> atStart) {
        TransportChecks checks = new TransportChecks();
        checks.check(holder.current(), Instant.now(), atStart, List.of());
        reloader.onReload(result -> {
            if (result instanceof PolicyHolder.ReloadResult.Loaded) {
                checks.check(holder.current(), Instant.now(), w -> LOG.log(System.Logger.Level.WARNING, w));
            }
        });
        return checks;
    }

    /**
     * Checks {@code engine}'s policy as of {@code now}, says each warning, and keeps them and its CRLs' nextUpdate.
     */
    public void check(PolicyEngine engine, Instant now, Consumer<String> warn) {
        check(engine, now, warn, MissingShareDirectories.in(engine));
    }

    /** As {@link #check(PolicyEngine, Instant, Consumer)}, with the share directories' warnings already found. */
    private void check(PolicyEngine engine, Instant now, Consumer<String> warn, List<String> missingShares) {
        Map<String, Instant> dates = nextUpdates(engine);
        crlNextUpdates = Map.copyOf(dates);
        List<String> found = new ArrayList<>();
        dates.forEach((file, next) -> {
            if (next.isBefore(now)) {
                found.add("CRL " + file + " is past its nextUpdate " + next + ": it is still used (a stale CRL"
                        + " still revokes what it lists), but certificates revoked since are not known; refresh it"
                        + " and reload");
            }
        });
        Set<Path> told = new LinkedHashSet<>();
        for (Path socket : socketPaths(engine)) {
            Path dir = socket.toAbsolutePath().normalize().getParent();
            ChangeableByOthers.directoriesAbove(socket, told)
                    .forEach((changeable, why) -> found.add(
                            changeable.equals(dir)
                                    ? "Unix socket directory " + dir + ": " + why + ": another"
                                            + " host user can unlink a VM's socket there, and the VM cannot connect until the"
                                            + " gateway restarts; use a directory only root or the gateway's user can write"
                                            + " (docs/deploy.md)"
                                    : "Directory " + changeable + " above the Unix socket"
                                            + " directory " + dir + ": " + why
                                            + ": another host user can rename what it holds and"
                                            + " put a socket of their own where a VM connects; use directories only root or the"
                                            + " gateway's user can write, up to / (docs/deploy.md)"));
        }
        UnknownHostAccounts.peers(engine.policy()).forEach(f -> found.add(f.pos() + ": " + f.message()));
        found.addAll(missingShares);
        warnings = List.copyOf(found);
        found.forEach(warn);
    }

    /**
     * The warnings of the policy last checked: what {@code p9gate policy reload} shows beside the reload's outcome
     * (a reload's check runs before the outcome is written: its listener is registered first).
     */
    public List<String> warnings() {
        return warnings;
    }

    /** Each CRL file of the policy last checked and its nextUpdate (none: no next CRL is promised). */
    public Map<String, Instant> crlNextUpdates() {
        return crlNextUpdates;
    }

    private static Map<String, Instant> nextUpdates(PolicyEngine engine) {
        Map<String, Instant> dates = new LinkedHashMap<>();
        for (VmPolicy vm : engine.policy().vms().values()) {
            if (vm.listen() instanceof ListenerSpec.Tls tls && tls.client().crl() != null) {
                Path file = tls.client().crl();
                try {
                    X509CRL crl = Pem.crl(file);
                    if (crl.getNextUpdate() != null) {
                        dates.put(file.toString(), crl.getNextUpdate().toInstant());
                    }
                } catch (IOException | GeneralSecurityException e) {
                    // The VM's connections are refused with the reason (CertificatePin); nothing to date here.
                }
            }
        }
        return dates;
    }

    private static List<Path> socketPaths(PolicyEngine engine) {
        List<Path> sockets = new ArrayList<>();
        for (VmPolicy vm : engine.policy().vms().values()) {
            if (vm.listen() instanceof ListenerSpec.UnixSocket unix) {
                sockets.add(unix.path());
            }
        }
        return sockets;
    }
}
