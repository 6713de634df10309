package io.p9gate.gateway.session;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.p9gate.gateway.codec.CodecBuffers;
import io.p9gate.gateway.codec.Direction;
import io.p9gate.gateway.codec.MalformedMessageException;
import io.p9gate.gateway.codec.MessageDecoder;
import io.p9gate.gateway.codec.MessageEncoder;
import io.p9gate.gateway.proto.Frame;
import io.p9gate.gateway.proto.Message;
import io.p9gate.gateway.proto.TMessage;
import io.p9gate.policy.dialect.Dialect;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The server pipeline on an {@link EmbeddedChannel}, with requests served inline (a direct
 * executor) so tests are deterministic. Also records any exception that reached the end of the
 * pipeline: there must never be one.
 */
final class EmbeddedSession implements AutoCloseable {
    final FakeHandler.Factory handlers = new FakeHandler.Factory();
    final EmbeddedChannel channel = new EmbeddedChannel();
    final List<Throwable> escaped = new ArrayList<>();
    /** The dialect {@link #replies()} reads in, as a client that negotiated it would. */
    Dialect replyDialect = Dialect.L;

    private final List<ByteBuf> sent = new ArrayList<>();
    private final ByteBuf received = Unpooled.buffer();

    EmbeddedSession(int maxMsize) {
        this(maxMsize, RequestLane.unbudgeted(Runnable::run, "test"));
    }

    /** Requests run on {@code lane}, against its VM's budgets. */
    EmbeddedSession(int maxMsize, RequestLane lane) {
        this(maxMsize, lane, false);
    }

    /** @param ownLoops whether the channel's loop serves its VM alone ({@link SessionSettings#ownLoops()}) */
    EmbeddedSession(int maxMsize, RequestLane lane, boolean ownLoops) {
        this(maxMsize, lane, ownLoops, "");
    }

    /** @param vm the VM the transport identified the connection as ("" when the listener is the VM) */
    EmbeddedSession(int maxMsize, RequestLane lane, boolean ownLoops, String vm) {
        this(maxMsize, lane, ownLoops, vm, null);
    }

    /** @param factory the sessions' handlers ({@link #handlers} when null) */
    EmbeddedSession(int maxMsize, RequestLane lane, boolean ownLoops, String vm, RequestHandlerFactory factory) {
        this(maxMsize, lane, ownLoops, vm, factory, SessionSettings.DEFAULT_MAX_OUTSTANDING);
    }

    /** @param maxOutstanding the connection's cap on requests in service ({@code --max-outstanding}) */
    EmbeddedSession(
            int maxMsize,
            RequestLane lane,
            boolean ownLoops,
            String vm,
            RequestHandlerFactory factory,
            int maxOutstanding) {
        SessionPipeline.install(
                channel.pipeline(),
                factory == null ? handlers : factory,
                lane,
                new SessionSettings("test", maxMsize, maxOutstanding).forVm(vm).onOwnLoops(ownLoops),
                new AtomicLong()::incrementAndGet,
                "embedded");
        channel.pipeline().addBefore("9p-errors", "escape-recorder", new ChannelInboundHandlerAdapter() {
            @Override
            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                escaped.add(cause);
                ctx.fireExceptionCaught(cause);
            }
        });
    }

    static ByteBuf encode(Frame frame) {
        ByteBuf wire = Unpooled.buffer();
        MessageEncoder.writeHeaderAndBody(frame, wire);
        ByteBuf payload = CodecBuffers.payloadOf(frame.body());
        if (payload != null) {
            wire.writeBytes(payload, payload.readerIndex(), payload.readableBytes());
        }
        return wire;
    }

    /** Feeds bytes to the server (the buffer is handed over) and runs the replies it queued. */
    void feed(ByteBuf bytes) {
        sent.add(bytes);
        bytes.retain();
        channel.writeInbound(bytes);
        channel.runPendingTasks();
    }

    void send(int tag, TMessage request) {
        feed(encode(new Frame(tag, request)));
    }

    void negotiate(int msize) {
        send(Frame.NOTAG, new TMessage.Tversion(msize, "9P2000.L"));
    }

    /** Every reply written since the last call, decoded as a client would. */
    List<Frame> replies() throws MalformedMessageException {
        channel.runPendingTasks();
        for (Object out; (out = channel.readOutbound()) != null; ) {
            ByteBuf buf = (ByteBuf) out;
            received.writeBytes(buf);
            buf.release();
        }
        List<Frame> frames = new ArrayList<>();
        while (received.readableBytes() >= 4 && received.readableBytes() >= received.getIntLE(received.readerIndex())) {
            int start = received.readerIndex();
            int size = received.getIntLE(start);
            Message body = MessageDecoder.decode(
                    received.getUnsignedByte(start + 4),
                    received.slice(start + Frame.HEADER_SIZE, size - Frame.HEADER_SIZE),
                    Direction.REPLIES,
                    replyDialect);
            frames.add(new Frame(received.getUnsignedShortLE(start + 5), body));
            received.skipBytes(size);
        }
        received.discardReadBytes();
        return frames;
    }

    /** True once every buffer fed in has been fully released by the pipeline. */
    boolean allInputReleased() {
        return sent.stream().allMatch(b -> b.refCnt() == 1);
    }

    /** Closes the connection as a client would; queued work runs, then everything should be released. */
    void disconnect() {
        channel.finishAndReleaseAll();
        channel.runPendingTasks();
    }

    @Override
    public void close() {
        disconnect();
        for (ByteBuf b : sent) {
            b.release();
        }
        sent.clear();
        if (received.refCnt() > 0) {
            received.release();
        }
    }
}
