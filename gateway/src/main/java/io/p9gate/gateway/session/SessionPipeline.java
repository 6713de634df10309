package io.p9gate.gateway.session;

import io.netty.channel.ChannelPipeline;
import io.p9gate.gateway.codec.Direction;
import io.p9gate.gateway.codec.FrameDecoder;
import io.p9gate.gateway.codec.FrameEncoder;
import io.p9gate.gateway.codec.FrameHold;
import io.p9gate.gateway.codec.FrameLimit;
import io.p9gate.gateway.codec.PeerCausedLog;
import io.p9gate.gateway.codec.PipelineErrorHandler;
import io.p9gate.gateway.codec.WireDialect;
import java.util.concurrent.Executor;
import java.util.function.LongSupplier;

/**
 * Assembles the server side of a 9P connection: records before replies, reply meter, framing, codec, session,
 * last-resort error handler.
 */
public final class SessionPipeline {
    private static final FittedHeapReplies FITTED_HEAP_REPLIES = new FittedHeapReplies();

    private SessionPipeline() {}

    /** Requests on {@code workers}, without VM budgets: for tests and single-client tools. */
    public static void install(
            ChannelPipeline pipeline,
            RequestHandlerFactory factory,
            Executor workers,
            SessionSettings settings,
            LongSupplier sessionIds,
            String peer) {
        install(pipeline, factory, RequestLane.unbudgeted(workers, settings.listener()), settings, sessionIds, peer);
    }

    /** Requests in the turn of the connection's VM, against its budgets (R-ROB-2); the session installed. */
    public static Session install(
            ChannelPipeline pipeline,
            RequestHandlerFactory factory,
            RequestLane lane,
            SessionSettings settings,
            LongSupplier sessionIds,
            String peer) {
        FrameLimit limit = new FrameLimit(settings.maxMsize());
        WireDialect dialect = new WireDialect();
        FrameHold hold = new FrameHold();
        // The codec's lines a peer can cause are throttled per VM, as the session's: one VM's flood hides no other's.
        String logKey = PeerCausedLog.key(settings.vm(), settings.listener());
        // Between a TLS engine and the meter: a small record is charged its bytes, not the engine's packet size.
        pipeline.addFirst("9p-fitted-replies", FITTED_HEAP_REPLIES);
        // Next to the socket, below a TLS engine if there is one: what that engine writes by itself (a KeyUpdate's
        // answer) is counted against the VM too, and cannot be asked for while replies pile up unread.
        pipeline.addFirst("9p-reply-meter", new ReplyMeter(lane.budget().admission()));
        pipeline.addFirst("9p-read-gate", new ReadGate(lane.budget().admission(), hold));
        // Nearest the socket: no byte of a reply (TLS records included) leaves before the records of its request.
        RequestHandlerFactory connection = factory.forConnection(); // the records of this connection's requests
        pipeline.addFirst("9p-records-first", new RecordsBeforeReplies(connection));
        pipeline.addLast("9p-decoder", new FrameDecoder(limit, Direction.REQUESTS, dialect, logKey, hold));
        pipeline.addLast("9p-encoder", new FrameEncoder(limit, Direction.REPLIES, dialect, logKey));
        Session session = new Session(connection, lane, limit, dialect, hold, settings, sessionIds, peer);
        pipeline.addLast("9p-session", session);
        pipeline.addLast("9p-errors", new PipelineErrorHandler(logKey));
        return session;
    }
}
