package io.p9gate.gateway.session;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOutboundBuffer;
import io.p9gate.gateway.budget.Admission;
import io.p9gate.gateway.budget.VmBudget;
import io.p9gate.gateway.codec.CodecBuffers;
import io.p9gate.gateway.codec.FrameHold;
import io.p9gate.gateway.codec.FrameLimit;
import io.p9gate.gateway.codec.MalformedFrame;
import io.p9gate.gateway.codec.PeerCausedLog;
import io.p9gate.gateway.codec.WireDialect;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.Frame;
import io.p9gate.gateway.proto.RMessage;
import io.p9gate.gateway.proto.TMessage;
import java.nio.channels.ClosedChannelException;
import java.util.ArrayDeque;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

/**
 * One 9P connection: version negotiation, outstanding tags, Tflush, and dispatch of file
 * requests to worker threads (R-PROTO-3). All fields are touched on the channel's event loop
 * only; workers hand their replies back to it.
 *
 * <p>Rules the Linux client relies on: Rflush is written only after the flushed request's reply
 * (or at once if that tag is not outstanding); a second Tversion waits for every outstanding
 * request, then closes the old {@link RequestHandler} and opens a new one. A tag reused while
 * still outstanding closes the connection (a reply could no longer be matched to its request).
 *
 * <p>Requests run in the turn of the connection's VM ({@link RequestLane}), and a file request is only
 * dispatched once its VM's {@link Admission} has room: past the VM's outstanding or reply-bytes budget the
 * connection keeps its requests in the backlog and stops reading until a request of that VM finishes
 * (R-ROB-2). Tflush and Tversion need no admission.
 */
public final class Session extends ChannelInboundHandlerAdapter {
    private static final System.Logger LOG = System.getLogger(Session.class.getName());
    /** Connections closed for their peer's doing, of every connection (PeerCausedLog, keyed by {@link #logKey}). */
    private static final PeerCausedLog TAG_REUSED = new PeerCausedLog(LOG, System.Logger.Level.WARNING);

    private static final PeerCausedLog REPLIES_UNREAD = new PeerCausedLog(LOG, System.Logger.Level.WARNING);

    private static final PeerCausedLog DIALECT_REFUSED = new PeerCausedLog(LOG, System.Logger.Level.INFO);

    private final RequestHandlerFactory factory;
    private final RequestLane lane;
    private final Admission admission;
    private final FrameLimit limit;
    private final WireDialect dialect;
    /** Held while the VM's replies are over budget: the rest of the read in hand waits undecoded, unanswered. */
    private final FrameHold hold;

    private final SessionSettings settings;
    private final LongSupplier sessionIds;
    private final String peer;

    private final TagTable outstanding = new TagTable();
    /** The last handler's close was handed to the lane: it ends the session ({@link #ended}) once done. */
    private boolean handlerClosing;
    /** Requests decoded while the session was full or renegotiating; served in arrival order. */
    private final ArrayDeque<Frame> backlog = new ArrayDeque<>();
    /**
     * The tags of the requests in {@link #backlog}: outstanding for 9P too, so a frame taking one again is a tag
     * reused while outstanding (never two of them in the backlog: the second closes the connection on arrival).
     */
    private final BitSet waitingTags = new BitSet(1 << 16);
    /**
     * Requests handed to a worker that their handler held back ({@link RequestHandler#starting}: a reload scans the
     * VM's quota scopes), by tag: none started, so a Tflush or a drain answers them at once instead of after the scan.
     */
    private final Map<Integer, OnWorker> heldBack = new HashMap<>();

    private ChannelHandlerContext ctx;
    private RequestHandler handler;
    /** The id of the session the last Tversion opened (0 before one): read by other threads to find it. */
    private volatile long id;

    private Frame pendingVersion;
    private boolean versionRunning;
    private boolean closed;
    /**
     * Closed to new work by {@link #drain} or by the connection's end: the connection closes once the requests on the
     * host are answered. Read by the workers too: a request still queued in the lane then is not started.
     */
    private volatile boolean draining;
    /** The channel closed ({@link #channelInactive} ran): of a drain, only {@link #closeHandler} is left to do. */
    private boolean inactive;
    /** The VM's admission had no room for the backlog's head: wait for {@link #vmWake}. */
    private boolean waitingForVm;

    private Runnable vmWake;
    /** A flush of the replies written in this turn of the loop is queued ({@link #flushSoon}). */
    private boolean flushQueued;

    private final Runnable flushTask = this::flushReplies;
    /** Completed once the connection is closed and the session's last handler is closed: see {@link #ended}. */
    private final CompletableFuture<Void> ended = new CompletableFuture<>();

    /** Requests run on {@code workers} without any VM budget: for tests and single-client tools. */
    public Session(
            RequestHandlerFactory factory,
            Executor workers,
            FrameLimit limit,
            SessionSettings settings,
            LongSupplier sessionIds,
            String peer) {
        this(
                factory,
                RequestLane.unbudgeted(workers, settings.listener()),
                limit,
                new WireDialect(),
                new FrameHold(),
                settings,
                sessionIds,
                peer);
    }

    /**
     * @param dialect shared with the connection's decoder: set when a Tversion opens a session
     * @param hold    shared with the connection's decoder and read gate: held while the VM has no room
     */
    public Session(
            RequestHandlerFactory factory,
            RequestLane lane,
            FrameLimit limit,
            WireDialect dialect,
            FrameHold hold,
            SessionSettings settings,
            LongSupplier sessionIds,
            String peer) {
        this.factory = factory;
        this.peer = peer;
        this.lane = lane;
        this.admission = lane.budget().admission();
        this.limit = limit;
        this.dialect = dialect;
        this.hold = hold;
        this.settings = settings;
        this.sessionIds = sessionIds;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        Channel channel = ctx.channel();
        this.vmWake = () -> {
            try {
                channel.eventLoop().execute(this::vmHasRoom);
            } catch (RejectedExecutionException e) {
                // The gateway is shutting down: nothing left to serve.
            }
        };
        if (!channel.isActive()) {
            // Closed before this session was installed (a peer gone during its identification): channelInactive
            // has passed, and no request will come.
            closed = true;
            ended.complete(null);
        }
    }

    /** On the event loop: the VM may have room again (a request finished, replies drained, limits changed). */
    private void vmHasRoom() {
        waitingForVm = false;
        if (!closed) {
            hold.release(); // the frames that waited come first, behind the backlog
        }
        if (!closed && pendingVersion == null) {
            drainBacklog();
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        switch (msg) {
            case MalformedFrame bad when !closed -> malformed(bad);
            case MalformedFrame bad -> {} // the connection is going: nobody to answer
            case Frame frame
            when !closed -> {
                if (isOutstanding(frame.tag())) {
                    CodecBuffers.releasePayload(frame.body());
                    refuseDuplicateTag(frame.tag());
                } else if (frame.body() instanceof TMessage.Tflush f && pendingVersion == null && flushFits(f)) {
                    // Needs no worker, so never waits behind the cap: it may be what unblocks a full session.
                    serve(frame);
                } else if (mustWait()) {
                    backlog.add(frame);
                    waitingTags.set(frame.tag());
                    pauseReading();
                } else {
                    serve(frame);
                }
            }
            case Frame frame -> CodecBuffers.releasePayload(frame.body());
            default -> ctx.fireChannelRead(msg);
        }
    }

    private boolean mustWait() {
        return pendingVersion != null || waitingForVm || !backlog.isEmpty() || !canServeMore();
    }

    /**
     * Backpressure (R-ROB-2): at most maxOutstanding requests at once, and none while replies pile
     * up unread in the outbound buffer.
     */
    private boolean canServeMore() {
        return outstanding.size() < settings.maxOutstanding() && ctx.channel().isWritable();
    }

    /**
     * Whether a Tflush may be taken now: one answered at once (its old tag not in service, or held back by a quota
     * scan) always, one that must wait
     * for a reply only while the connection has an outstanding tag to spare. A waiting Tflush is an outstanding tag
     * the next one may name: uncapped, a guest whose request the host held chained one to each tag before, 65,533 a
     * connection, remembered on the heap (about 8 MiB) and answered in one burst past the VM's reply budget
     * (adversarial.WaitingFlushChainAttackTest). Past the cap it waits in the backlog, unread, as a request does.
     */
    private boolean flushFits(TMessage.Tflush flush) {
        return !outstanding.contains(flush.oldtag())
                || heldBack.containsKey(flush.oldtag()) // not started: dropped, the Rflush written at once
                || outstanding.size() < settings.maxOutstanding();
    }

    /** Whether a request with this tag waits for its reply: running, or not started yet in the backlog. */
    private boolean isOutstanding(int tag) {
        return outstanding.contains(tag) || waitingTags.get(tag);
    }

    private void malformed(MalformedFrame bad) {
        if (isOutstanding(bad.tag())) {
            refuseDuplicateTag(bad.tag());
            return;
        }
        LOG.log(
                System.Logger.Level.DEBUG,
                () -> "malformed request type " + bad.typeCode() + " from " + peer + ": " + bad.reason());
        write(bad.tag(), new RMessage.Rlerror(bad.errno()));
    }

    private void refuseDuplicateTag(int tag) {
        TAG_REUSED.log(
                logKey(), () -> "closing connection from " + peer + ": tag " + tag + " reused while outstanding");
        closeNow();
    }

    /** Throttled per VM (per listener before one is known): one VM's flood of such lines hides no other VM's. */
    private String logKey() {
        return PeerCausedLog.key(settings.vm(), settings.listener());
    }

    /**
     * Nothing more from this connection is served, not even the rest of the read batch in hand; the replies written
     * before leave first (after their records).
     */
    private void closeNow() {
        closed = true;
        ctx.flush();
        ctx.close();
    }

    private void serve(Frame frame) {
        if (!(frame.body() instanceof TMessage request)) {
            // The REQUESTS decoder never yields replies; anything else is answered, not trusted.
            write(frame.tag(), new RMessage.Rlerror(Errno.EOPNOTSUPP));
            return;
        }
        switch (request) {
            case TMessage.Tversion v -> {
                pendingVersion = frame;
                pauseReading();
                startVersionWhenIdle();
            }
            case TMessage.Tflush f -> flush(frame.tag(), f.oldtag());
            case TMessage.Tunsupported u -> write(frame.tag(), new RMessage.Rlerror(Errno.EOPNOTSUPP));
            case TMessage.FileRequest file -> dispatch(frame, file);
        }
    }

    private void dispatch(Frame frame, TMessage.FileRequest request) {
        int tag = frame.tag();
        RequestHandler current = handler;
        if (current == null) {
            CodecBuffers.releasePayload(request);
            write(tag, new RMessage.Rlerror(Errno.EPROTO));
            return;
        }
        if (!admission.tryAdmit(vmWake)) {
            // The VM is at its outstanding or reply-bytes budget: this request waits first in line.
            waitingForVm = true;
            backlog.addFirst(frame);
            waitingTags.set(tag);
            pauseReading();
            return;
        }
        outstanding.add(tag);
        Channel channel = ctx.channel();
        TMessage.FileRequest bounded = ReplyBudget.clamp(request, limit.max());
        if (servedOnLoop(current, request)) {
            RequestHandler.Started started = RequestRunner.start(current, tag, bounded, null);
            if (started != null) {
                RMessage reply;
                try {
                    reply = ScopedValue.where(VmBudget.CURRENT, lane.budget())
                            .call(() -> RequestRunner.serve(started, current, tag, bounded));
                } finally {
                    started.close();
                    admission.done();
                }
                lane.servedOnLoop(); // the VM is being served: the fair pool must not take it for idle
                // Nothing else of this connection was in flight or came meanwhile: no flush to answer, no backlog
                // this call must drain (a drainBacklog that called us goes on with its loop).
                reply(tag, reply);
                return;
            }
            // Held back by a reload's scan of the VM's quotas: its worker's turn waits for the scan, never this loop.
        }
        toLane(new OnWorker(current, tag, request, bounded, channel));
    }

    /**
     * Hands a request to the VM's lane; once the gateway's workers are shutting down, nobody will serve this
     * connection any more: it closes.
     */
    private void toLane(OnWorker task) {
        try {
            lane.execute(task);
        } catch (RejectedExecutionException e) {
            if (task.drop()) {
                outstanding.remove(task.tag);
                heldBack.remove(task.tag);
            }
            ctx.flush(); // the replies written before it
            ctx.close();
        }
    }

    /**
     * A request's turn on a worker. One that may not start yet (a reload scans the VM's quota scopes it may change:
     * {@link RequestHandler#starting}) gives the worker back at once and goes back to the lane once the scan ends,
     * its admission still held: a worker parked for a whole scan was one the other VMs' requests lacked. Until it is
     * served, the event loop may answer it instead ({@link #drop}): it then never starts, but its admission is given
     * back only once the scan has called it back too. Else a VM flushing each held-back write at once (its tag and
     * admission back, its callback left with the scan) queued callbacks without bound for as long as its scan ran.
     */
    private final class OnWorker implements Runnable {
        private static final int WAITING = 0;
        private static final int SERVED = 1;
        private static final int DROPPED = 2;

        private final RequestHandler current;
        private final int tag;
        private final TMessage.FileRequest request;
        private final TMessage.FileRequest bounded;
        private final Channel channel;
        /** WAITING until a worker serves it (SERVED) or the event loop answers it unserved (DROPPED); set once. */
        private final AtomicInteger state = new AtomicInteger(WAITING);
        /**
         * What holds the VM's admission: the request until it is served or dropped, and a scan callback that may be
         * due (counted before each start, uncounted when the start needs none); the last to let go gives it back.
         */
        private final AtomicInteger holds = new AtomicInteger(1);

        OnWorker(
                RequestHandler current,
                int tag,
                TMessage.FileRequest request,
                TMessage.FileRequest bounded,
                Channel channel) {
            this.current = current;
            this.tag = tag;
            this.request = request;
            this.bounded = bounded;
            this.channel = channel;
        }

        @Override
        public void run() {
            if (state.get() != WAITING) {
                return; // answered by the event loop while it waited
            }
            holds.incrementAndGet(); // the callback the start may leave with the scan
            RequestHandler.Started started =
                    draining ? RequestHandler.Started.NOW : RequestRunner.start(current, tag, bounded, this::again);
            if (started == null) {
                onEventLoop(channel, () -> nowHeldBack(this));
                return;
            }
            letGo(); // no callback left with a scan
            if (!state.compareAndSet(WAITING, SERVED)) {
                started.close(); // dropped meanwhile: the event loop answered it
                return;
            }
            RMessage reply;
            try {
                reply = notStarted(request)
                        ? new RMessage.Rlerror(Errno.EIO)
                        : RequestRunner.serve(started, current, tag, bounded);
            } finally {
                started.close();
                letGo();
            }
            onEventLoop(channel, () -> answer(tag, reply), reply);
        }

        /** On the scan's thread, once it ends: back to the lane, through the connection's loop. */
        private void again() {
            letGo(); // the callback is spent
            try {
                channel.eventLoop().execute(() -> {
                    if (state.get() == WAITING) {
                        toLane(this);
                    }
                });
            } catch (RejectedExecutionException e) {
                drop(); // the gateway is shutting down: nobody will serve this connection any more
            }
        }

        /**
         * Answered unserved, from the event loop (or once it is gone): whether it was still waiting, and now never
         * starts; its admission and payload are given back here.
         */
        boolean drop() {
            if (!state.compareAndSet(WAITING, DROPPED)) {
                return false;
            }
            CodecBuffers.releasePayload(request);
            letGo();
            return true;
        }

        private void letGo() {
            if (holds.decrementAndGet() == 0) {
                admission.done();
            }
        }
    }

    /**
     * On the event loop: {@code held} gave its worker back to wait for the scan. A drain (or the connection's end) or a
     * Tflush that came first answers it now; else one that comes later will.
     */
    private void nowHeldBack(OnWorker held) {
        if (held.state.get() != OnWorker.WAITING || !outstanding.contains(held.tag)) {
            return; // served or answered meanwhile
        }
        heldBack.put(held.tag, held);
        if (draining) {
            answerHeldBack();
            afterAnswer();
        } else if (outstanding.flushed(held.tag)) {
            dropFlushed(held.tag);
        }
    }

    /**
     * A request a Tflush waits for that is held back by a scan has not started: it gets no reply (9P flush rules) and
     * never starts, its Tflushes an Rflush now. One not held back (running, or queued for a worker) is answered first.
     */
    private void dropFlushed(int oldTag) {
        OnWorker held = heldBack.remove(oldTag);
        if (held != null && held.drop()) {
            answerFlushes(outstanding.remove(oldTag));
            afterAnswer();
        }
    }

    /**
     * A drain, or the connection's end: each request held back is answered EIO now, unserved (written only while the
     * connection is open), instead of after the scan: a stop waited half its step for them, then closed their
     * connections with their tags outstanding, the handlers never closed (QuotaScanStallAttackTest).
     */
    private void answerHeldBack() {
        List<OnWorker> held = List.copyOf(heldBack.values());
        heldBack.clear();
        for (OnWorker w : held) {
            if (w.drop()) {
                reply(w.tag, new RMessage.Rlerror(Errno.EIO));
            }
        }
    }

    /**
     * A request the handler calls quick (a lookup, a Tgetattr, a Tclunk that only closes, a read-only open, a read or
     * a write that need not wait for the disk) that finds nothing else
     * of this connection in flight is served here, on the event loop, when the loop serves this VM alone: a few
     * system calls and a record, cheaper than the two thread hand-offs a worker costs (issue 11: one request
     * outstanding, as the kernel client's stat and open, waits for both). Only then: with requests in flight the
     * workers serve in parallel, and on a loop other VMs share, a flood of them would take the loop from the
     * others (their lanes keep the weighted turns). Never what waits for the disk's flush (a change's intent, an
     * open for writing).
     */
    private boolean servedOnLoop(RequestHandler current, TMessage.FileRequest request) {
        return settings.ownLoops() && outstanding.size() == 1 && current.quick(request);
    }

    /**
     * Whether a request a worker takes from the lane must not start: the connection drains (its VM removed or revoked
     * by a reload, or the gateway stopping) or is gone, so it gets EIO, unrecorded, as the requests still in the
     * backlog do.
     */
    private boolean notStarted(TMessage.FileRequest request) {
        if (!draining) {
            return false;
        }
        CodecBuffers.releasePayload(request);
        return true;
    }

    /** Runs a task on the channel's event loop, if it is still there (else the connection is gone too): whether. */
    private static boolean onEventLoop(Channel channel, Runnable task) {
        try {
            channel.eventLoop().execute(task);
            return true;
        } catch (RejectedExecutionException e) {
            return false;
        }
    }

    /** Runs a task on the channel's event loop; if it is gone, at least frees the reply's payload. */
    private static void onEventLoop(Channel channel, Runnable task, RMessage reply) {
        if (!onEventLoop(channel, task)) {
            CodecBuffers.releasePayload(reply);
        }
    }

    private void flush(int tag, int oldTag) {
        if (outstanding.contains(oldTag)) {
            outstanding.addFlush(tag, oldTag);
            dropFlushed(oldTag);
            return;
        }
        // A request still in the backlog has not started: drop it, it gets no reply (9P flush rules).
        backlog.removeIf(waiting -> {
            if (waiting.tag() != oldTag) {
                return false;
            }
            waitingTags.clear(oldTag);
            CodecBuffers.releasePayload(waiting.body());
            return true;
        });
        write(tag, new RMessage.Rflush());
    }

    /** The reply for an outstanding tag, then the Rflush of every Tflush that waited for it. */
    private void answer(int tag, RMessage reply) {
        reply(tag, reply);
        afterAnswer();
    }

    /**
     * The reply, then the Rflush of every Tflush that waited for it, and of every Tflush that waited for those (a
     * flush may be flushed): depth first, as they were registered, without recursing once per link, since a guest
     * can chain a Tflush of each tag to the one before, 65,535 deep.
     */
    private void reply(int tag, RMessage reply) {
        var flushes = outstanding.remove(tag);
        if (!heldBack.isEmpty()) {
            heldBack.remove(tag);
        }
        write(tag, reply);
        answerFlushes(flushes);
    }

    /** The Rflush of each of {@code flushes}, then of every Tflush that waited for those, depth first. */
    private void answerFlushes(List<Integer> flushes) {
        if (flushes.isEmpty()) {
            return;
        }
        ArrayDeque<Integer> due = new ArrayDeque<>();
        pushInOrder(due, flushes);
        while (!due.isEmpty()) {
            int flushTag = due.pop();
            var waiting = outstanding.remove(flushTag);
            write(flushTag, new RMessage.Rflush());
            pushInOrder(due, waiting);
        }
    }

    /** Pushes {@code tags} so that the first of them is popped first. */
    private static void pushInOrder(ArrayDeque<Integer> stack, List<Integer> tags) {
        for (int i = tags.size() - 1; i >= 0; i--) {
            stack.push(tags.get(i));
        }
    }

    private void afterAnswer() {
        if (!outstanding.isEmpty()) {
            if (!closed && pendingVersion == null) {
                drainBacklog();
            }
            return;
        }
        if (draining && !inactive) {
            closeNow(); // channelInactive closes the handler, as on any close
        } else if (closed) {
            // Also a drained connection the bound or the peer closed first: channelInactive found a request on the host
            // and left the handler open; its fids and descriptors go now (ReloadInFlightReplyTest).
            closeHandler();
        } else if (pendingVersion != null) {
            startVersionWhenIdle();
        } else {
            drainBacklog();
        }
    }

    private void drainBacklog() {
        while (!closed && pendingVersion == null && !waitingForVm && !backlog.isEmpty() && canServeMore()) {
            Frame next = backlog.poll();
            waitingTags.clear(next.tag());
            if (outstanding.contains(next.tag())) {
                CodecBuffers.releasePayload(next.body());
                refuseDuplicateTag(next.tag());
                return;
            }
            serve(next);
        }
        if (!closed && pendingVersion == null && !waitingForVm && backlog.isEmpty() && canServeMore()) {
            resumeReading();
        }
    }

    private void startVersionWhenIdle() {
        if (versionRunning || !outstanding.isEmpty()) {
            return;
        }
        versionRunning = true;
        TMessage.Tversion request = (TMessage.Tversion) pendingVersion.body();
        int tag = pendingVersion.tag();
        RequestHandler old = handler;
        handler = null;
        VersionNegotiation negotiation = VersionNegotiation.of(request, settings.maxMsize());
        Channel channel = ctx.channel();
        long sessionId = sessionIds.getAsLong();
        id = sessionId; // before the handler opens: whoever learns of the session from it finds it here
        try {
            lane.execute(new Closing(old, () -> {
                RequestHandler opened = null;
                RMessage reply;
                try {
                    // A reload that took the connection's identity away opens no session for it (answered EIO, as
                    // a session that cannot open): else the log would name one of its VM until the pass closes it.
                    opened = negotiation.accept() && settings.identity().holds()
                            ? open(context(negotiation, sessionId))
                            : null;
                    reply = negotiation.reply(opened != null);
                } catch (DialectRefusedException e) {
                    DIALECT_REFUSED.log(
                            logKey(), () -> peer + ": " + e.getMessage()); // recorded; a guest may ask as often
                    reply = negotiation.refused();
                }
                deliverVersion(channel, tag, reply, opened);
            }));
        } catch (RejectedExecutionException e) {
            if (old != null) {
                RequestRunner.closeQuietly(old);
            }
            ctx.flush();
            ctx.close();
        }
    }

    private ConnectionContext context(VersionNegotiation negotiation, long sessionId) {
        return new ConnectionContext(
                settings.listener(),
                peer,
                sessionId,
                negotiation.msize(),
                settings.ioLimit(),
                settings.vm(),
                lane.budget(),
                negotiation.agreed(),
                settings.identity());
    }

    /** From a worker: hands the Tversion's outcome to the event loop, or closes the new handler if it is gone. */
    private void deliverVersion(Channel channel, int tag, RMessage reply, RequestHandler opened) {
        try {
            channel.eventLoop().execute(() -> finishVersion(tag, reply, opened));
        } catch (RejectedExecutionException e) {
            // The event loop is gone, and with it the connection: this was the session's last handler.
            if (opened != null) {
                RequestRunner.closeQuietly(opened);
            }
            ended.complete(null);
        }
    }

    private RequestHandler open(ConnectionContext context) {
        try {
            return factory.open(context);
        } catch (DialectRefusedException e) {
            throw e;
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "cannot open a session for " + context.peer(), e);
            return null;
        }
    }

    private void finishVersion(int tag, RMessage reply, RequestHandler opened) {
        versionRunning = false;
        pendingVersion = null;
        if (closed) {
            if (opened != null) {
                closeOffLoop(opened);
            } else {
                ended.complete(null);
            }
            return;
        }
        handler = opened;
        if (reply instanceof RMessage.Rversion v && opened != null) {
            // Before Rversion leaves: the client may use the new msize and dialect in its very next frame.
            limit.set(v.msize());
            dialect.set(VersionNegotiation.requested(v.version()).orElseThrow()); // the answer names the dialect agreed
        }
        write(tag, reply, false); // spelled by VersionNegotiation in the dialect the Tversion asked for
        // Frames the peer sent after the Tversion waited in the decoder: read now, in the dialect just agreed.
        dialect.versionAnswered();
        drainBacklog();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (!ctx.channel().isWritable()) {
            // Not only after a reply: a TLS engine below writes records of its own (ReadGate).
            pauseReading();
        } else if (!closed && pendingVersion == null) {
            drainBacklog();
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
        if (event == ReadGate.VmHasRoom.EVENT) {
            if (!closed && pendingVersion == null) {
                drainBacklog(); // resumes reading the read gate paused for the VM's budget, if this can serve
            }
            return;
        }
        ctx.fireUserEventTriggered(event);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if ((closed || !ctx.channel().isOpen()) && cause instanceof ClosedChannelException) {
            // Replies still queued when the connection closed (this session cut it, or the codec did, before
            // the batch's flush) fail with it: expected.
            return;
        }
        ctx.fireExceptionCaught(cause);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        inactive = true;
        closed = true;
        // Nobody is left to answer: a request still queued for a worker is not started. Else it ran when one freed,
        // also after a reload revoked the VM, whose pass no longer finds a connection that is gone (a drain evaded).
        draining = true;
        pendingVersion = null;
        admission.forget(vmWake);
        for (Frame waiting : backlog) {
            CodecBuffers.releasePayload(waiting.body());
        }
        backlog.clear();
        waitingTags.clear();
        answerHeldBack(); // nobody to answer: their tags only go
        if (outstanding.isEmpty() && !versionRunning) {
            closeHandler();
        }
        ctx.fireChannelInactive();
    }

    /**
     * The gateway stops, or a reload ends this connection (its VM removed or revoked, its share taken): nothing more of
     * this connection is served, the requests already on the host are answered,
     * those not started get EIO, then the connection closes (a Tversion under way: at once, as before; one waiting for
     * the requests in flight is dropped). Closed at once,
     * the replies of the requests in flight went to a closed channel, and the 6.1 kernel client took that end as an
     * empty reply: a write(2) whose bytes were on the host failed EFAULT (GatewayStopInFlightReplyTest). From any
     * thread; the caller bounds the wait and closes what is still open.
     */
    public void drain(Channel channel) {
        try {
            channel.eventLoop().execute(() -> beginDrain(channel));
        } catch (RejectedExecutionException e) {
            channel.close();
        }
    }

    private void beginDrain(Channel channel) {
        if (ctx == null) {
            channel.close(); // not in the pipeline yet: nothing served
            return;
        }
        if (closed) {
            return;
        }
        if (versionRunning) {
            closeNow(); // no request in flight: the Tversion waited for them all; finishVersion closes what it opens
            return;
        }
        // A Tversion still waiting for the requests in flight is dropped, unanswered: the drain answers those, and a
        // request queued behind them for a worker must not start (closed at once, it still ran, allowed and recorded).
        pendingVersion = null;
        closed = true;
        draining = true;
        pauseReading();
        for (Frame waiting : backlog) {
            CodecBuffers.releasePayload(waiting.body());
            if (waiting.body() instanceof TMessage.Tflush f && outstanding.contains(f.oldtag())) {
                outstanding.addFlush(waiting.tag(), f.oldtag()); // a Tflush at the cap: Rflush after that reply
            } else if (waiting.body() instanceof TMessage.Tflush) {
                write(waiting.tag(), new RMessage.Rflush()); // after the EIO of its request, earlier in the backlog
            } else {
                write(waiting.tag(), new RMessage.Rlerror(Errno.EIO));
            }
        }
        backlog.clear();
        waitingTags.clear();
        answerHeldBack();
        if (outstanding.isEmpty()) {
            closeNow();
        } else {
            ctx.flush();
        }
    }

    /** Closes the current handler once; later calls find none. */
    private void closeHandler() {
        RequestHandler current = handler;
        handler = null;
        if (current != null) {
            handlerClosing = true;
            closeOffLoop(current);
        } else if (!handlerClosing) {
            // A close already on the lane ends the session itself: ended here, the connection's place came back with
            // its fids still open (the last answer came before channelInactive, SessionEndTest).
            ended.complete(null);
        }
    }

    /** The id of the session the connection's last Tversion opened, or is opening; 0 before its first. */
    public long id() {
        return id;
    }

    /**
     * Completes once the connection is closed and the session's request handler, if it had one, is closed: its fids
     * and locks released. The gateway counts the connection closed only then, so that no scrape of the metrics sees
     * a closed connection's fids still open.
     */
    public CompletionStage<Void> ended() {
        return ended;
    }

    /**
     * Ends the session with the closed connection's last handler. Handler close may block on the filesystem: off the
     * event loop, unless the workers are gone.
     */
    private void closeOffLoop(RequestHandler h) {
        Closing closing = new Closing(h, () -> ended.complete(null));
        try {
            lane.execute(closing);
        } catch (RejectedExecutionException e) {
            closing.closeHere();
        }
    }

    /**
     * A handler's close on a worker (none: nothing to close), then {@code then}. A close that may not run yet (a
     * reload scans the VM's quota scopes its fids' clunks change: {@link RequestHandler#closing}) gives the worker back
     * and returns to the lane once the scan ends, as a request does ({@link OnWorker}).
     */
    private final class Closing implements Runnable {
        private final RequestHandler handler;
        private final Runnable then;

        Closing(RequestHandler handler, Runnable then) {
            this.handler = handler;
            this.then = then;
        }

        @Override
        public void run() {
            if (handler != null) {
                RequestHandler.Started started = RequestRunner.closing(handler, this::again);
                if (started == null) {
                    return;
                }
                try {
                    RequestRunner.closeQuietly(handler);
                } finally {
                    started.close();
                }
            }
            then.run();
        }

        /** On the scan's thread, once it ends: back to the lane; the workers gone, closed here. */
        private void again() {
            try {
                lane.execute(this);
            } catch (RejectedExecutionException e) {
                closeHere();
            }
        }

        /** The lane takes no more work (the gateway stops): closed on this thread at once, then {@code then}. */
        void closeHere() {
            if (handler != null) {
                RequestRunner.closeQuietly(handler);
            }
            then.run();
        }
    }

    /**
     * Every reply passes the same gate (R-ROB-2), including the ones answered without a worker
     * (malformed frames, Tflush of a free tag): reading pauses while the peer leaves replies
     * unread or its VM's are over budget, and a peer that lets them pile up past {@link OutboundLimit} is cut off.
     */
    private void write(int tag, RMessage reply) {
        write(tag, reply, true);
    }

    /** {@code spell}: an error in the connection's dialect; a Tversion's reply is already spelled. */
    private void write(int tag, RMessage reply, boolean spell) {
        Channel channel = ctx.channel();
        if (!channel.isActive()) {
            CodecBuffers.releasePayload(reply);
            return;
        }
        ctx.write(new Frame(tag, spell ? dialect.spell(reply) : reply), ctx.voidPromise());
        flushSoon();
        if (!channel.isWritable()) {
            pauseReading(); // channelWritabilityChanged resumes it
            closeIfFlooded(channel);
        }
        holdWhileRepliesOverBudget();
    }

    /**
     * A reply written without admission (an Rflush, an Rlerror for a malformed frame) counts against the VM's
     * reply budget as any other: the VM at it, this connection stops reading until its replies drain (vmWake), as
     * one whose request waits for admission does. Else the connection's own high-water mark held them alone: a VM
     * flooding each of its connections with Tflushes of free tags held 13 MiB per connection.
     */
    private void holdWhileRepliesOverBudget() {
        if (!hold.held() && !admission.hasReplyRoom(vmWake)) {
            // Parked for a request the VM's outstanding budget holds back, the read in hand was still answered.
            waitingForVm = true;
            hold.hold(); // nothing more of the read in hand: a 64 KiB read is 7,281 Tflushes, each answered at once
            pauseReading();
        }
    }

    /**
     * The replies written in this turn of the event loop leave together, once it has served what it read and ran
     * the hand-backs queued (the flush task runs after them): one flush, and one write of their audit records
     * ({@link RecordsBeforeReplies}), per batch instead of per reply (issue 11).
     */
    private void flushSoon() {
        if (flushQueued) {
            return;
        }
        flushQueued = true;
        try {
            ctx.executor().execute(flushTask);
        } catch (RejectedExecutionException e) {
            flushReplies(); // the loop is shutting down: now or never
        }
    }

    private void flushReplies() {
        flushQueued = false;
        ctx.flush();
    }

    private void closeIfFlooded(Channel channel) {
        ChannelOutboundBuffer queued = channel.unsafe().outboundBuffer();
        long cap = OutboundLimit.of(
                channel.config().getWriteBufferHighWaterMark(), settings.maxOutstanding(), limit.max());
        long bytes = queued == null ? 0 : queued.totalPendingWriteBytes();
        if (!closed && bytes > cap) {
            REPLIES_UNREAD.log(
                    logKey(),
                    () -> "closing connection from " + peer + ": " + bytes + " reply bytes left unread (limit " + cap
                            + ")");
            closeNow();
        }
    }

    private void pauseReading() {
        ctx.channel().config().setAutoRead(false);
    }

    private void resumeReading() {
        if (!ctx.channel().config().isAutoRead()) {
            ctx.channel().config().setAutoRead(true);
        }
    }
}
