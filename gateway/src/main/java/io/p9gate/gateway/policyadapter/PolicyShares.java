package io.p9gate.gateway.policyadapter;

import io.p9gate.gateway.backend.LocalShare;
import io.p9gate.gateway.backend.LockTable;
import io.p9gate.gateway.backend.QidMapper;
import io.p9gate.gateway.fs.AuditTrail;
import io.p9gate.gateway.fs.GuardedFs;
import io.p9gate.gateway.ops.FileServer;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.session.ConnectionContext;
import io.p9gate.gateway.session.RequestHandler;
import io.p9gate.gateway.session.RequestHandlerFactory;
import io.p9gate.policy.PolicyEngine;
import io.p9gate.policy.PolicyHolder;
import io.p9gate.policy.model.ListenerSpec;
import io.p9gate.policy.model.SharePolicy;
import io.p9gate.policy.model.VmPolicy;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Serves each VM the shares its policy gives it (R-DEP-1, R-POL-1). A connection's VM is the
 * listener it arrived on, never what Tattach says: the session only ever holds that VM's shares, so an
 * attach name of another VM, or one the policy does not list, is ENOENT (default deny).
 *
 * <p>Share directories are opened once, at start. A reload changes decisions, id maps and quotas
 * for the next request; it can take a share away from new sessions, but a share or listener the
 * first policy did not have needs a restart.
 */
public final class PolicyShares implements RequestHandlerFactory, AutoCloseable {
    private final PolicyHolder holder;
    private final AuditTrail audit;
    private final SessionGuards guards;
    private final LockTable locks = new LockTable();
    /** Development listeners outside the policy (e.g. the demo's TCP port): listener name to VM id. */
    private final Map<String, String> extraListeners;
    /** VM id to its shares (attach name to the opened directory). */
    private final Map<String, Map<String, OpenedShare>> shares;

    private record OpenedShare(LocalShare share, Path dir) {
    }

    /**
     * Opens every share directory of every VM now.
     *
     * @throws IllegalArgumentException naming the VM, share and reason if a directory cannot be opened
     */
    public PolicyShares(PolicyHolder holder, AuditTrail audit, SessionGuards guards) {
        this(holder, audit, guards, Map.of());
    }

    /**
     * As {@link #PolicyShares(PolicyHolder, AuditTrail, SessionGuards)}, plus listeners the policy cannot
     * name (plain TCP, for development and the demo only: R-DEP-4 keeps them out of production), each
     * assigned to a VM by the operator: {@code ListenSpec.describe()} to VM id.
     */
    public PolicyShares(PolicyHolder holder, AuditTrail audit, SessionGuards guards,
                        Map<String, String> extraListeners) {
        this.holder = Objects.requireNonNull(holder);
        this.audit = Objects.requireNonNull(audit);
        this.guards = Objects.requireNonNull(guards);
        this.extraListeners = Map.copyOf(extraListeners);
        this.shares = openAll(holder.current());
    }

    private static Map<String, Map<String, OpenedShare>> openAll(PolicyEngine engine) {
        QidMapper qids = new QidMapper();
        Map<String, Map<String, OpenedShare>> out = new LinkedHashMap<>();
        try {
            for (VmPolicy vm : engine.policy().vms().values()) {
                Map<String, OpenedShare> mine = new LinkedHashMap<>();
                out.put(vm.id(), mine);
                for (SharePolicy share : vm.shares().values()) {
                    mine.put(share.name(), open(vm.id(), share.name(), share.hostDir(), qids));
                }
            }
        } catch (IllegalArgumentException e) {
            closeAll(out);
            throw e;
        }
        return out;
    }

    private static OpenedShare open(String vm, String share, Path dir, QidMapper qids) {
        try {
            return new OpenedShare(LocalShare.open(share, dir, qids), dir);
        } catch (P9Exception e) {
            throw new IllegalArgumentException("VM '" + vm + "', share '" + share + "' (" + dir + "): "
                    + e.errno().description(), e);
        }
    }

    @Override
    public RequestHandler open(ConnectionContext context) {
        PolicyEngine engine = holder.current();
        String vm = vmOf(engine, context.listener())
                .or(() -> Optional.ofNullable(extraListeners.get(context.listener()))).orElse("");
        GuardedFs fs = guards.guardedFs(vm, context.sessionId(), audit);
        return new FileServer(context, sharesOf(engine, vm), fs, locks);
    }

    /** The VM behind a listener, as the current policy says; empty for a listener no VM owns. */
    static Optional<String> vmOf(PolicyEngine engine, String listener) {
        try {
            return engine.vmFor(ListenerSpec.parse(listener));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /** The VM's shares that the current policy still gives it, at the directory they were opened on. */
    private Map<String, LocalShare> sharesOf(PolicyEngine engine, String vm) {
        Map<String, LocalShare> out = new LinkedHashMap<>();
        shares.getOrDefault(vm, Map.of()).forEach((name, opened) -> {
            if (engine.shareDir(vm, name).map(opened.dir()::equals).orElse(false)) {
                out.put(name, opened.share());
            }
        });
        return out;
    }

    /** Closes the share handles (after every session is closed). */
    @Override
    public void close() {
        closeAll(shares);
    }

    private static void closeAll(Map<String, Map<String, OpenedShare>> opened) {
        opened.values().forEach(m -> m.values().forEach(o -> o.share().close()));
    }
}
