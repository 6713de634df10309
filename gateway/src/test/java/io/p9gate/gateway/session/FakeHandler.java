package io.p9gate.gateway.session;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.p9gate.gateway.proto.Attr;
import io.p9gate.gateway.proto.DirEntry;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.Qid;
import io.p9gate.gateway.proto.RMessage;
import io.p9gate.gateway.proto.Stat;
import io.p9gate.gateway.proto.StatFs;
import io.p9gate.gateway.proto.TMessage;
import io.p9gate.gateway.proto.TMessage.FileRequest;
import io.p9gate.policy.dialect.Dialect;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A stand-in for the filesystem half: one in-memory file, and walk names that script behaviour:
 * "missing" fails ENOENT, "bug" throws a RuntimeException, "wait" blocks until a later walk to
 * "signal" (proves requests run concurrently), "slow" blocks until {@link #releaseSlow()}.
 */
public final class FakeHandler implements RequestHandler {
    public static final Qid ROOT = new Qid(Qid.QTDIR, 0, 1);
    /** What Tstat answers: a .u entry (the session's dialect decides which layout a client may read). */
    public static final Stat STAT = new Stat(
            new Stat.Common(0, 0, new Qid(Qid.QTFILE, 0, 2), 0644, 1, 2, 3, "f", "1000", "1000", ""),
            java.util.Optional.of(new Stat.Unix("", 1000, 1000, TMessage.NONUNAME)));

    /** Tstat of this fid answers {@link #LONG_STAT}, whose 5000-byte extension (a symlink's target) is over a 4096 msize. */
    public static final int LONG_STAT_FID = 9;

    public static final Stat LONG_STAT = new Stat(
            STAT.common(), java.util.Optional.of(new Stat.Unix("x".repeat(5000), 1000, 1000, TMessage.NONUNAME)));

    private final ConnectionContext context;
    private final Factory factory;
    private final byte[] file = new byte[1 << 20];
    private volatile int fileSize;

    private FakeHandler(ConnectionContext context, Factory factory) {
        this.context = context;
        this.factory = factory;
    }

    public ConnectionContext context() {
        return context;
    }

    /** Creates handlers and keeps what tests check: opened contexts, close counts, seen Twrite buffers. */
    public static final class Factory implements RequestHandlerFactory {
        public final Queue<FakeHandler> opened = new ConcurrentLinkedQueue<>();
        public final AtomicInteger closes = new AtomicInteger();
        public final Queue<ByteBuf> writeBuffers = new ConcurrentLinkedQueue<>();
        /** The Twstat requests as decoded. */
        public final Queue<TMessage.Twstat> wstats = new ConcurrentLinkedQueue<>();

        public final CountDownLatch signal = new CountDownLatch(1);
        public final CountDownLatch slowStarted = new CountDownLatch(1);
        private final CountDownLatch slow = new CountDownLatch(1);

        /** When set, each Tgetattr (a quick request: served on the VM's own loop) blocks until it is counted down. */
        public volatile CountDownLatch holdGetattr;
        /** Counted down when a Tgetattr starts waiting on {@link #holdGetattr}. */
        public final CountDownLatch getattrHeld = new CountDownLatch(1);
        /** How many Tgetattr wait on {@link #holdGetattr} now or did. */
        public final AtomicInteger getattrsHeld = new AtomicInteger();

        /** A dialect this factory refuses as a policy would, or null. */
        public volatile Dialect refused;

        @Override
        public RequestHandler open(ConnectionContext context) {
            if (context.dialect() == refused) {
                throw new DialectRefusedException("test", refused);
            }
            FakeHandler handler = new FakeHandler(context, this);
            opened.add(handler);
            return handler;
        }

        public void releaseSlow() {
            slow.countDown();
        }
    }

    /** Like the real handler's Tgetattr; its other quick requests are the real handler's tests'. */
    @Override
    public boolean quick(FileRequest request) {
        return request instanceof TMessage.Tgetattr;
    }

    @Override
    public RMessage handle(FileRequest request) throws P9Exception {
        return switch (request) {
            case TMessage.Tattach a -> new RMessage.Rattach(ROOT);
            case TMessage.Twalk w -> walk(w);
            case TMessage.Tlopen o -> new RMessage.Rlopen(new Qid(Qid.QTFILE, 0, 2), context.iounit());
            case TMessage.Tread r -> read(r);
            case TMessage.Twrite w -> write(w);
            case TMessage.Tclunk c -> new RMessage.Rclunk();
            case TMessage.Tgetattr g -> {
                CountDownLatch hold = factory.holdGetattr;
                if (hold != null) {
                    factory.getattrsHeld.incrementAndGet();
                    factory.getattrHeld.countDown();
                    await(hold);
                }
                yield new RMessage.Rgetattr(new Attr(
                        Attr.GETATTR_BASIC,
                        ROOT,
                        040755,
                        1000,
                        1000,
                        2,
                        0,
                        fileSize,
                        4096,
                        8,
                        1,
                        2,
                        3,
                        4,
                        5,
                        6,
                        0,
                        0,
                        0,
                        0));
            }
            case TMessage.Treaddir d ->
                new RMessage.Rreaddir(
                        d.offset() > 0
                                ? List.of()
                                : List.of(
                                        new DirEntry(new Qid(Qid.QTFILE, 0, 2), 1, 8, "file"),
                                        new DirEntry(new Qid(Qid.QTDIR, 0, 3), 2, 4, "dir")));
            case TMessage.Tmkdir m -> new RMessage.Rmkdir(new Qid(Qid.QTDIR, 0, 9));
            case TMessage.Tstatfs s -> new RMessage.Rstatfs(new StatFs(0x01021997, 4096, 10, 5, 5, 100, 50, 7, 255));
            case TMessage.Treadlink l -> new RMessage.Rreadlink("x".repeat(5000)); // over a 4096 msize
            case TMessage.Tremove r -> throw new P9Exception(Errno.EACCES, "fake: remove denied");
            case TMessage.Tstat t -> new RMessage.Rstat(t.fid() == LONG_STAT_FID ? LONG_STAT : STAT);
            case TMessage.Topen o -> new RMessage.Ropen(ROOT, 0);
            case TMessage.Twstat w -> {
                factory.wstats.add(w);
                yield new RMessage.Rwstat();
            }
            default -> throw new P9Exception(Errno.EOPNOTSUPP, "fake: " + request.type());
        };
    }

    private RMessage walk(TMessage.Twalk w) throws P9Exception {
        List<Qid> qids = new ArrayList<>();
        for (String name : w.names()) {
            switch (name) {
                case "missing" -> throw new P9Exception(Errno.ENOENT, "fake: missing");
                case "bug" -> throw new IllegalStateException("fake handler bug");
                case "wait" -> await(factory.signal);
                case "signal" -> factory.signal.countDown();
                case "slow" -> {
                    factory.slowStarted.countDown();
                    await(factory.slow);
                }
                default -> {}
            }
            qids.add(new Qid(Qid.QTFILE, 0, name.hashCode() & 0xffffL));
        }
        return new RMessage.Rwalk(qids);
    }

    private static void await(CountDownLatch latch) throws P9Exception {
        try {
            if (!latch.await(30, TimeUnit.SECONDS)) {
                throw new P9Exception(Errno.ETIMEDOUT, "fake: nobody signalled");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new P9Exception(Errno.EINTR, "fake: interrupted");
        }
    }

    private RMessage read(TMessage.Tread r) throws P9Exception {
        if (r.count() < 0) {
            throw new P9Exception(Errno.EINVAL, "fake: count over 2 GiB");
        }
        int from = (int) Math.min(r.offset(), fileSize);
        int n = Math.min(r.count(), fileSize - from);
        return new RMessage.Rread(Unpooled.copiedBuffer(file, from, n));
    }

    private synchronized RMessage write(TMessage.Twrite w) throws P9Exception {
        factory.writeBuffers.add(w.data());
        int n = w.data().readableBytes();
        if (w.offset() < 0 || w.offset() + n > file.length) {
            throw new P9Exception(Errno.EFBIG, "fake: beyond the in-memory file");
        }
        w.data().getBytes(w.data().readerIndex(), file, (int) w.offset(), n);
        fileSize = Math.max(fileSize, (int) w.offset() + n);
        return new RMessage.Rwrite(n);
    }

    @Override
    public void close() {
        factory.closes.incrementAndGet();
    }
}
