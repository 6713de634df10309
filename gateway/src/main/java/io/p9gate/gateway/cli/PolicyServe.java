package io.p9gate.gateway.cli;

import io.p9gate.gateway.budget.Budgets;
import io.p9gate.gateway.files.RunFile;
import io.p9gate.gateway.fs.AuditTrail;
import io.p9gate.gateway.fs.GatewayEvent;
import io.p9gate.gateway.metrics.QuotaScope;
import io.p9gate.gateway.policyadapter.OwnershipMode;
import io.p9gate.gateway.policyadapter.PolicyBudgets;
import io.p9gate.gateway.policyadapter.PolicyListeners;
import io.p9gate.gateway.policyadapter.PolicyQuotas;
import io.p9gate.gateway.policyadapter.PolicyReloader;
import io.p9gate.gateway.policyadapter.PolicyShares;
import io.p9gate.gateway.policyadapter.SessionGuards;
import io.p9gate.gateway.server.Gateway;
import io.p9gate.gateway.server.GatewayConfig;
import io.p9gate.gateway.server.ServerTls;
import io.p9gate.gateway.wiring.ShareServerFactory;
import io.p9gate.gateway.wiring.ThisProcess;
import io.p9gate.policy.PolicyCheck;
import io.p9gate.policy.PolicyHolder;
import io.p9gate.policy.load.PolicyLoadException;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;

/**
 * What {@code serve --policy FILE} builds: the listeners and shares the policy names, every request
 * decided for the VM of the listener it came in on, SIGHUP reloading the file.
 */
final class PolicyServe {
    private PolicyServe() {}

    /**
     * @param check what this gateway checks besides the file, now and at every reload (R-POL-9 for its own state)
     * @throws IOException with the policy's file:line:col message, for one line on stderr
     */
    static PolicyHolder load(Path file, PolicyCheck check) throws IOException {
        try {
            return PolicyHolder.load(file.toAbsolutePath().normalize(), check);
        } catch (PolicyLoadException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    /** @throws IllegalArgumentException one line, if a listener or share directory cannot be used */
    static GatewayConfig config(
            PolicyHolder holder,
            SessionGuards guards,
            AuditTrail audit,
            ServerTls tls,
            PolicyReloader reloader,
            int msize,
            int workers,
            int maxOutstanding,
            int iounit) {
        return new GatewayConfig(
                PolicyListeners.of(holder.current(), tls),
                new ShareServerFactory(new PolicyShares(holder, guards), audit),
                msize,
                workers,
                maxOutstanding,
                iounit,
                budgets(holder, reloader, Map.of(), msize));
    }

    /** Every VM's budgets from the policy's limits (R-ROB-2), changed by each reload that is taken. */
    static Budgets budgets(
            PolicyHolder holder, PolicyReloader reloader, Map<String, String> extraListeners, int msize) {
        Budgets budgets = PolicyBudgets.of(holder.current(), extraListeners, msize);
        reloader.onReload(result -> {
            if (result instanceof PolicyHolder.ReloadResult.Loaded) {
                PolicyBudgets.update(budgets, holder.current(), msize);
            }
        });
        return budgets;
    }

    /**
     * After each reload that is taken, the connections of VMs the new policy no longer has are closed: every request
     * of theirs would be refused, but what they hold (locks on files other VMs share, descriptors) would stay until
     * their guests chose to leave.
     */
    static void closeRemovedVms(PolicyHolder holder, PolicyReloader reloader, Gateway gateway, PrintWriter err) {
        AtomicReference<Set<String>> served =
                new AtomicReference<>(holder.current().listeners().keySet());
        reloader.onReload(result -> {
            if (result instanceof PolicyHolder.ReloadResult.Loaded) {
                Set<String> before = served.get();
                Set<String> now = holder.current().listeners().keySet();
                served.set(now);
                int closed = gateway.closeConnectionsOf(vm -> before.contains(vm) && !now.contains(vm));
                reportClosed(err, closed, "of VMs the new policy no longer has");
            }
        });
    }

    /**
     * After each reload that is taken, every connection of a VM the new policy still has is identified again by what
     * its transport established when it connected: one the new policy no longer takes for that VM (its certificate
     * revoked, its pin or {@code peer:} changed) is closed, since a mount is one connection that lasts as long as the
     * guest wishes.
     */
    static void closeNoLongerIdentified(
            PolicyHolder holder, PolicyReloader reloader, Gateway gateway, PrintWriter err) {
        reloader.onReload(result -> {
            if (result instanceof PolicyHolder.ReloadResult.Loaded) {
                Set<String> now = holder.current().listeners().keySet();
                int closed = gateway.closeConnectionsNoLongerIdentified(now::contains);
                reportClosed(err, closed, "no longer identified as their VM");
            }
        });
    }

    /**
     * After each reload that is taken, the connections whose session attached a share the new policy took from its
     * VM, or gave another directory, are closed: as for a removed VM, what they hold there would stay, but the VM's
     * other connections (each mount is one) keep serving its other shares. Every other session then releases, recorded,
     * its locks on the files the new policy no longer lets it lock (hidden, {@code access: none}, a deny rule), and
     * stays connected.
     */
    static void closeTakenShares(PolicyReloader reloader, ShareServerFactory shares, Gateway gateway, PrintWriter err) {
        reloader.onReload(result -> {
            if (result instanceof PolicyHolder.ReloadResult.Loaded) {
                shares.watchMovesWherePathsDecide();
                Set<Long> holding = shares.sessionsHoldingSharesTakenAway();
                int closed = holding.isEmpty() ? 0 : gateway.closeSessions(holding::contains);
                reportClosed(err, closed, "attached to a share the new policy took away or moved");
                shares.releaseWatchesOfSharesTakenAway();
                int released = shares.releaseLocksRefusedNow(holding);
                if (released > 0) {
                    err.println("p9gate: policy reload: released the locks of " + released
                            + " file(s) the new policy no longer lets their holder lock");
                    err.flush();
                }
            }
        });
    }

    private static void reportClosed(PrintWriter err, int closed, String which) {
        if (closed > 0) {
            err.println("p9gate: policy reload: closed " + closed + " connection(s) " + which);
            err.flush();
        }
    }

    /**
     * Every reload of {@code reloader} becomes a lifecycle record: one taken right before its swap, so that no decision
     * of the new policy is written before the record naming it (written after the swap and the install, a busy
     * guest's next decisions of the new policy came first: {@code GuestGatewayLifeIT}); one refused, or kept because
     * its install failed, once it is over.
     */
    static void recordReloads(AuditTrail trail, PolicyReloader reloader, PrintWriter err) {
        reloader.beforeTaking(loaded -> recordReload(trail, loaded, err));
        reloader.onReload(result -> {
            if (result instanceof PolicyHolder.ReloadResult.Kept) {
                recordReload(trail, result, err);
            }
        });
    }

    /** A reload, taken or refused, becomes a lifecycle record; a record that fails is reported, not fatal. */
    private static void recordReload(AuditTrail trail, PolicyHolder.ReloadResult result, PrintWriter err) {
        GatewayEvent event = switch (result) {
            case PolicyHolder.ReloadResult.Loaded loaded ->
                new GatewayEvent.PolicyLoaded(loaded.newDigest(), true, "replaced " + loaded.oldDigest());
            case PolicyHolder.ReloadResult.Kept kept ->
                new GatewayEvent.PolicyLoaded(kept.digest(), true, "kept: " + kept.reason());
        };
        try {
            trail.lifecycle(event);
        } catch (io.p9gate.gateway.proto.P9Exception e) {
            err.println("p9gate: audit log: cannot record the policy reload: " + e.getMessage());
            err.flush();
        }
    }

    /**
     * Decisions, id mapping and quotas per VM; quota usage is scanned now and again for each reload, before
     * its swap (a reload whose scan fails is refused).
     *
     * @throws java.io.UncheckedIOException if a quota scope cannot be scanned
     */
    static SessionGuards guards(PolicyHolder holder, PolicyReloader reloader, OwnershipMode mode) {
        PolicyQuotas quotas = new PolicyQuotas(holder.current());
        reloader.beforeSwap(quotas::prepare);
        return new SessionGuards(holder::current, mode, quotas);
    }

    /** The quotas as the metrics show them: one scope per quota, with its VM, share and subtree. */
    static List<QuotaScope> quotaScopes(PolicyQuotas quotas) {
        return quotas.use().stream()
                .map(q -> new QuotaScope(
                        q.spec().vm(),
                        q.spec().id(),
                        q.spec().share(),
                        q.spec().subtree().toString(),
                        q.used().bytes(),
                        q.spec().maxBytes(),
                        q.used().inodes(),
                        q.spec().maxInodes()))
                .toList();
    }

    /** {@code --ownership}: chown, xattr, or (null) the default for this process's privileges. */
    static OwnershipMode ownership(String text) {
        if (text == null) {
            return OwnershipMode.automatic(ThisProcess.INSTANCE);
        }
        return switch (text.toLowerCase(Locale.ROOT)) {
            case "chown" -> OwnershipMode.CHOWN;
            case "xattr" -> OwnershipMode.XATTR;
            default -> throw new IllegalArgumentException("--ownership must be chown or xattr, not '" + text + "'");
        };
    }

    /** Writes this process's id, for {@code p9gate policy reload --pid-file FILE} to signal; never through a link. */
    static void writePidFile(Path pidFile) throws IOException {
        RunFile.replace(pidFile, ProcessHandle.current().pid() + "\n");
        pidFile.toFile().deleteOnExit(); // a stale pid could later name an unrelated process
    }
}
