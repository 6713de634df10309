package io.p9gate.gateway.fs;

import io.p9gate.gateway.backend.LocalShare;
import io.p9gate.gateway.backend.LockTable;
import io.p9gate.gateway.backend.QidMapper;
import io.p9gate.gateway.ops.FileServer;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.session.ConnectionContext;
import io.p9gate.gateway.session.RequestHandler;
import io.p9gate.gateway.session.RequestHandlerFactory;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Serves the named shares (attach name to host directory): one {@link FileServer} per session,
 * all sharing the share handles, the qid numbering and the byte-range lock table. Each session's
 * start and end are recorded in the audit trail.
 */
public final class ShareServerFactory implements RequestHandlerFactory, AutoCloseable {
    private final Map<String, LocalShare> shares;
    private final AccessPolicy policy;
    private final AuditTrail audit;
    private final LockTable locks = new LockTable();

    /** Every request allowed, nothing recorded: for development until policy and audit are plugged in. */
    public ShareServerFactory(Map<String, Path> shares) {
        this(shares, new AllowAll(), new NoAudit());
    }

    /**
     * Opens every share directory now.
     *
     * @throws IllegalArgumentException naming the share and the reason, if a directory cannot be opened
     */
    public ShareServerFactory(Map<String, Path> shares, AccessPolicy policy, AuditTrail audit) {
        this.policy = Objects.requireNonNull(policy);
        this.audit = Objects.requireNonNull(audit);
        QidMapper qids = new QidMapper();
        Map<String, LocalShare> opened = new LinkedHashMap<>();
        try {
            for (var e : shares.entrySet()) {
                opened.put(e.getKey(), openShare(e.getKey(), e.getValue(), qids));
            }
        } catch (IllegalArgumentException e) {
            opened.values().forEach(LocalShare::close);
            throw e;
        }
        this.shares = Map.copyOf(opened);
    }

    private static LocalShare openShare(String name, Path directory, QidMapper qids) {
        try {
            return LocalShare.open(name, directory, qids);
        } catch (P9Exception e) {
            throw new IllegalArgumentException("share '" + name + "' (" + directory + "): "
                    + e.errno().description(), e);
        }
    }

    @Override
    public RequestHandler open(ConnectionContext context) {
        GuardedFs fs = new GuardedFs(context.listener(), context.sessionId(), policy, audit);
        return AuditedSession.opened(new FileServer(context, shares, fs, locks), context, audit);
    }

    /** Closes the share handles (after every session is closed). */
    @Override
    public void close() {
        shares.values().forEach(LocalShare::close);
    }
}
