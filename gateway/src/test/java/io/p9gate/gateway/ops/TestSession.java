package io.p9gate.gateway.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.p9gate.gateway.budget.VmBudget;
import io.p9gate.gateway.fs.AccessPolicy;
import io.p9gate.gateway.fs.AllowAll;
import io.p9gate.gateway.fs.AuditTrail;
import io.p9gate.gateway.fs.NoAudit;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.Qid;
import io.p9gate.gateway.proto.RMessage;
import io.p9gate.gateway.proto.TMessage;
import io.p9gate.gateway.session.ConnectionContext;
import io.p9gate.gateway.session.RequestHandler;
import io.p9gate.gateway.wiring.ShareServerFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/** Drives a FileServer with request records, the way the session layer does (no codec). */
public final class TestSession implements AutoCloseable {
    public static final int MSIZE = 1024 * 1024 + 4096;
    public static final int ROOT = 0;
    private static final AtomicLong SESSIONS = new AtomicLong(1);

    private final RequestHandler handler;
    private final java.util.concurrent.atomic.AtomicInteger nextTag = new java.util.concurrent.atomic.AtomicInteger(1);
    public final long sessionId;
    private final VmBudget budget;

    private TestSession(RequestHandler handler, long sessionId, VmBudget budget) {
        this.handler = handler;
        this.sessionId = sessionId;
        this.budget = budget;
    }

    private TestSession(RequestHandler handler, long sessionId) {
        this(handler, sessionId, null);
    }

    /**
     * A session of a VM with these budgets, its requests served as a worker of the VM serves them (the budget
     * bound as {@link VmBudget#CURRENT}).
     */
    public static TestSession open(io.p9gate.gateway.session.RequestHandlerFactory factory, VmBudget budget) {
        long id = SESSIONS.getAndIncrement();
        ConnectionContext context = new ConnectionContext(budget.vm(), "test", id, MSIZE, 0, budget);
        return new TestSession(
                ScopedValue.where(VmBudget.CURRENT, budget).call(() -> factory.open(context)), id, budget);
    }

    /** One factory serving {@code dir} as share "share". */
    public static ShareServerFactory factory(Path dir) {
        return new ShareServerFactory(Map.of("share", dir), new AllowAll(), new NoAudit());
    }

    public static ShareServerFactory factory(Path dir, AccessPolicy policy, AuditTrail audit) {
        return new ShareServerFactory(Map.of("share", dir), policy, audit);
    }

    public static TestSession open(ShareServerFactory factory) {
        long id = SESSIONS.getAndIncrement();
        return new TestSession(factory.open(new ConnectionContext("vm-test", "test", id, MSIZE)), id);
    }

    /** A session as if it arrived on {@code listener} (the VM's identity, R-DEP-1). */
    public static TestSession open(io.p9gate.gateway.session.RequestHandlerFactory factory, String listener) {
        long id = SESSIONS.getAndIncrement();
        return new TestSession(factory.open(new ConnectionContext(listener, "test", id, MSIZE)), id);
    }

    /** Opens a session of {@code dialect} and attaches fid {@link #ROOT} to the share as uid 0. */
    public static TestSession attached(ShareServerFactory factory, io.p9gate.policy.dialect.Dialect dialect)
            throws P9Exception {
        return attached(factory, "vm-test", dialect, "share");
    }

    /**
     * A session of {@code dialect} arriving on {@code listener} (the VM's identity), fid {@link #ROOT} attached to
     * the share {@code aname} as uid 0.
     */
    public static TestSession attached(
            ShareServerFactory factory, String listener, io.p9gate.policy.dialect.Dialect dialect, String aname)
            throws P9Exception {
        return attached(factory, listener, dialect, aname, MSIZE);
    }

    /** As {@link #attached(ShareServerFactory, String, io.p9gate.policy.dialect.Dialect, String)}, over {@code msize}. */
    public static TestSession attached(
            ShareServerFactory factory,
            String listener,
            io.p9gate.policy.dialect.Dialect dialect,
            String aname,
            int msize)
            throws P9Exception {
        long id = SESSIONS.getAndIncrement();
        ConnectionContext l = new ConnectionContext(listener, "test", id, msize);
        TestSession s = new TestSession(
                factory.open(new ConnectionContext(
                        l.listener(), l.peer(), id, msize, l.ioLimit(), l.vm(), l.budget(), dialect, l.identity())),
                id);
        s.call(new TMessage.Tattach(ROOT, TMessage.NOFID, "root", aname, 0));
        return s;
    }

    /** Opens a session and attaches fid {@link #ROOT} to the share as uid 0. */
    public static TestSession attached(ShareServerFactory factory) throws P9Exception {
        TestSession s = open(factory);
        s.call(new TMessage.Tattach(ROOT, TMessage.NOFID, "root", "share", 0));
        return s;
    }

    /** Whether the session layer may serve this request on the event loop ({@link RequestHandler#quick}). */
    public boolean quick(TMessage.FileRequest request) {
        return handler.quick(request);
    }

    /** Each call gets the next tag, as a client would use, so audit records can be matched to requests. */
    public RMessage call(TMessage.FileRequest request) throws P9Exception {
        return call(nextTag.getAndIncrement() & 0x7fff, request);
    }

    /** With the caller's {@code tag}: requests of several threads in flight at once, each matched to its records. */
    public RMessage call(int tag, TMessage.FileRequest request) throws P9Exception {
        if (budget == null) {
            return handler.handle(tag, request);
        }
        return ScopedValue.where(VmBudget.CURRENT, budget).call(() -> handler.handle(tag, request));
    }

    @SuppressWarnings("unchecked")
    public <R extends RMessage> R expect(Class<R> type, TMessage.FileRequest request) throws P9Exception {
        RMessage reply = call(request);
        assertEquals(type, reply.getClass(), "reply to " + request);
        return (R) reply;
    }

    public Errno fails(TMessage.FileRequest request) {
        return assertThrows(P9Exception.class, () -> call(request), "expected failure of " + request)
                .errno();
    }

    public List<Qid> walk(int fid, int newfid, String... names) throws P9Exception {
        return expect(RMessage.Rwalk.class, new TMessage.Twalk(fid, newfid, List.of(names)))
                .qids();
    }

    public Qid lopen(int fid, int flags) throws P9Exception {
        return expect(RMessage.Rlopen.class, new TMessage.Tlopen(fid, flags)).qid();
    }

    public Qid lcreate(int dirFid, String name, int flags, int mode) throws P9Exception {
        return expect(RMessage.Rlcreate.class, new TMessage.Tlcreate(dirFid, name, flags, mode, 0))
                .qid();
    }

    public byte[] read(int fid, long offset, int count) throws P9Exception {
        ByteBuf data = expect(RMessage.Rread.class, new TMessage.Tread(fid, offset, count))
                .data();
        try {
            byte[] out = new byte[data.readableBytes()];
            data.readBytes(out);
            return out;
        } finally {
            data.release();
        }
    }

    public String readString(int fid) throws P9Exception {
        return new String(read(fid, 0, 1 << 16), StandardCharsets.UTF_8);
    }

    public int write(int fid, long offset, byte[] bytes) throws P9Exception {
        ByteBuf data = Unpooled.wrappedBuffer(bytes);
        try {
            return expect(RMessage.Rwrite.class, new TMessage.Twrite(fid, offset, data))
                    .count();
        } finally {
            data.release();
        }
    }

    public void clunk(int fid) throws P9Exception {
        expect(RMessage.Rclunk.class, new TMessage.Tclunk(fid));
    }

    public RMessage.Rgetattr getattr(int fid) throws P9Exception {
        return expect(RMessage.Rgetattr.class, new TMessage.Tgetattr(fid, 0x3fff));
    }

    @Override
    public void close() {
        handler.close();
    }
}
