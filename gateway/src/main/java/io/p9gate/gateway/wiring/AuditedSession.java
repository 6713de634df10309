package io.p9gate.gateway.wiring;

import io.p9gate.gateway.codec.PeerCausedLog;
import io.p9gate.gateway.fs.AuditTrail;
import io.p9gate.gateway.fs.GatewayEvent;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.RMessage;
import io.p9gate.gateway.proto.TMessage.FileRequest;
import io.p9gate.gateway.session.ConnectionContext;
import io.p9gate.gateway.session.RequestHandler;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A session's handler whose start and end are lifecycle records (R-AUD-1). A lifecycle record that cannot be
 * written is logged, not fatal: the session's requests are refused with EIO anyway once the trail is broken.
 * Every request it serves is timed for the {@link RequestObserver} (the metrics' latency by VM and operation):
 * here, where the VM is known and every request of every dialect passes, not in the session or the guard.
 */
final class AuditedSession implements RequestHandler {
    private static final System.Logger LOG = System.getLogger(AuditedSession.class.getName());
    /** Session events the audit trail refused: a refused VM may start sessions as fast as it likes. */
    private static final PeerCausedLog UNRECORDED = new PeerCausedLog(LOG, System.Logger.Level.WARNING);

    private final RequestHandler delegate;
    private final String vm;
    private final long sessionId;
    private final AuditTrail audit;
    private final RequestObserver requests;
    /** Told once the session's fids are released, before its end is recorded. */
    private final Runnable ended;

    private final AtomicBoolean closed = new AtomicBoolean();

    private AuditedSession(
            RequestHandler delegate,
            String vm,
            long sessionId,
            AuditTrail audit,
            RequestObserver requests,
            Runnable ended) {
        this.delegate = delegate;
        this.vm = vm;
        this.sessionId = sessionId;
        this.audit = audit;
        this.requests = requests;
        this.ended = ended;
    }

    /**
     * @param vm    the VM the session speaks for, as its decision records name it
     * @param ended run once when the session closes, after its fids are released
     */
    static RequestHandler opened(
            RequestHandler delegate,
            String vm,
            ConnectionContext context,
            AuditTrail audit,
            RequestObserver requests,
            Runnable ended) {
        note(audit, vm, new GatewayEvent.SessionOpened(vm, context.sessionId(), context.peer()));
        return new AuditedSession(delegate, vm, context.sessionId(), audit, requests, ended);
    }

    @Override
    public RMessage handle(FileRequest request) throws P9Exception {
        long started = System.nanoTime();
        try {
            return delegate.handle(request);
        } finally {
            served(request, started);
        }
    }

    @Override
    public RMessage handle(int tag, FileRequest request) throws P9Exception {
        long started = System.nanoTime();
        try {
            return delegate.handle(tag, request);
        } finally {
            served(request, started);
        }
    }

    @Override
    public boolean quick(FileRequest request) {
        return delegate.quick(request);
    }

    @Override
    public Started starting(FileRequest request, Runnable later) {
        return delegate.starting(request, later);
    }

    @Override
    public Started closing(Runnable later) {
        return delegate.closing(later);
    }

    private void served(FileRequest request, long started) {
        try {
            requests.served(vm, request, System.nanoTime() - started);
        } catch (RuntimeException e) { // a metrics bug must not turn a served request into EIO
            LOG.log(System.Logger.Level.ERROR, "request observer failed (bug)", e);
        }
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        try {
            delegate.close();
        } finally {
            ended.run();
            note(audit, vm, new GatewayEvent.SessionClosed(vm, sessionId));
        }
    }

    /** A session event; one that cannot be recorded is logged at most once a minute per VM. */
    private static void note(AuditTrail audit, String vm, GatewayEvent event) {
        try {
            audit.lifecycle(event);
        } catch (P9Exception e) {
            UNRECORDED.log(PeerCausedLog.key(vm), () -> "audit: cannot record " + event + ": " + e.getMessage());
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "audit: recording " + event + " failed unexpectedly (bug)", e);
        }
    }
}
