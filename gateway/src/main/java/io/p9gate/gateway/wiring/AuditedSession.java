package io.p9gate.gateway.wiring;

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
 */
final class AuditedSession implements RequestHandler {
    private static final System.Logger LOG = System.getLogger(AuditedSession.class.getName());

    private final RequestHandler delegate;
    private final String vm;
    private final long sessionId;
    private final AuditTrail audit;
    private final AtomicBoolean closed = new AtomicBoolean();

    private AuditedSession(RequestHandler delegate, String vm, long sessionId, AuditTrail audit) {
        this.delegate = delegate;
        this.vm = vm;
        this.sessionId = sessionId;
        this.audit = audit;
    }

    /** @param vm the VM the session speaks for, as its decision records name it */
    static RequestHandler opened(RequestHandler delegate, String vm, ConnectionContext context, AuditTrail audit) {
        note(audit, new GatewayEvent.SessionOpened(vm, context.sessionId(), context.peer()));
        return new AuditedSession(delegate, vm, context.sessionId(), audit);
    }

    @Override
    public RMessage handle(FileRequest request) throws P9Exception {
        return delegate.handle(request);
    }

    @Override
    public RMessage handle(int tag, FileRequest request) throws P9Exception {
        return delegate.handle(tag, request);
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        try {
            delegate.close();
        } finally {
            note(audit, new GatewayEvent.SessionClosed(vm, sessionId));
        }
    }

    private static void note(AuditTrail audit, GatewayEvent event) {
        try {
            audit.lifecycle(event);
        } catch (P9Exception e) {
            LOG.log(System.Logger.Level.WARNING, () -> "audit: cannot record " + event + ": " + e.getMessage());
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "audit: recording " + event + " failed unexpectedly (bug)", e);
        }
    }
}
