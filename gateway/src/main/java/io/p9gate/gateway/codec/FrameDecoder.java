package io.p9gate.gateway.codec;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.util.AttributeKey;
import io.p9gate.gateway.proto.Frame;
import io.p9gate.gateway.proto.Message;
import io.p9gate.gateway.proto.TMessage;
import java.util.List;

/**
 * Splits the byte stream into 9P frames and decodes each into a {@link Frame} (or a
 * {@link MalformedFrame} when only the body is bad). A size field below the 7-byte header or
 * above the {@link FrameLimit} means the stream can no longer be trusted: one WARN line and the
 * connection is closed (R-PROTO-2, R-ROB-1).
 */
public final class FrameDecoder extends ByteToMessageDecoder {
    private static final System.Logger LOG = System.getLogger(FrameDecoder.class.getName());
    /** Frame sizes out of bounds, of every connection (PeerCausedLog, keyed by the connection's VM or listener). */
    private static final PeerCausedLog OUT_OF_BOUNDS = new PeerCausedLog(LOG, System.Logger.Level.WARNING);

    /**
     * Why this decoder closed the connection (a frame size out of bounds): a client says it to its caller, to whom a
     * peer that is not a 9P server (an HTTP server's "HTTP" reads as a size of 1.3 GB) was only "connection closed".
     */
    public static final AttributeKey<String> CLOSED_BECAUSE = AttributeKey.valueOf("p9gate.frameDecoder.closedBecause");

    /**
     * Netty's merging cumulator, which first gives back the bytes already decoded when the read would not fit: it grew
     * the buffer in place past them, so a connection whose frames waited (FrameHold) kept up to four frames' room of
     * reads, not the two the budgets promise (adversarial.ParkedReadInHandAttackTest).
     */
    private static final Cumulator COMPACTING_CUMULATOR = (alloc, cumulation, in) -> {
        if (cumulation.refCnt() == 1 && !cumulation.isReadOnly() && in.readableBytes() > cumulation.writableBytes()) {
            cumulation.discardReadBytes(); // as Netty's discardSomeReadBytes: no decoded frame shares it
        }
        return MERGE_CUMULATOR.cumulate(alloc, cumulation, in);
    };

    private final FrameLimit limit;
    private final Direction direction;
    private final WireDialect dialect;
    private final String logKey;
    private final FrameHold hold;
    private boolean discarding;

    /** Frames of a 9P2000.L connection. */
    public FrameDecoder(FrameLimit limit, Direction direction) {
        this(limit, direction, new WireDialect());
    }

    /** Frames read in the connection's current {@code dialect}. */
    public FrameDecoder(FrameLimit limit, Direction direction, WireDialect dialect) {
        this(limit, direction, dialect, PeerCausedLog.ANY);
    }

    /** @param logKey whose the connection is ({@link PeerCausedLog#key}): one VM's flood of lines hides no other's */
    public FrameDecoder(FrameLimit limit, Direction direction, WireDialect dialect, String logKey) {
        this(limit, direction, dialect, logKey, new FrameHold());
    }

    /** @param hold set by the session while the frames of the read in hand must wait undecoded */
    public FrameDecoder(FrameLimit limit, Direction direction, WireDialect dialect, String logKey, FrameHold hold) {
        this.limit = limit;
        this.direction = direction;
        this.dialect = dialect;
        this.logKey = logKey;
        this.hold = hold;
        setCumulator(COMPACTING_CUMULATOR);
    }

    /**
     * Bytes this decoder holds of what was read and not yet decoded (its buffer's capacity): what a connection parked
     * by its VM's budget keeps of its read in hand. Asked on the connection's event loop.
     */
    public int bytesInHand() {
        return internalBuffer().capacity();
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        // After a Tversion, what the peer sent next waits in this decoder until the session has answered it; while
        // the session is held back by its VM's budget, the rest of the read in hand waits until it has room.
        Runnable decodeWaitingFrames = () -> {
            if (!ctx.isRemoved()) {
                try {
                    channelRead(ctx, Unpooled.EMPTY_BUFFER);
                } catch (Exception e) {
                    ctx.fireExceptionCaught(e);
                }
            }
        };
        dialect.onVersionAnswered(decodeWaitingFrames);
        hold.onRelease(decodeWaitingFrames);
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (discarding) {
            in.skipBytes(in.readableBytes());
            return;
        }
        if (dialect.versionPending()) {
            return; // read once the Tversion is answered, in the dialect and msize it agrees (WireDialect)
        }
        if (hold.held()) {
            return; // decoded once the session's VM has room (FrameHold)
        }
        if (in.readableBytes() < 4) {
            return;
        }
        int start = in.readerIndex();
        long size = in.getUnsignedIntLE(start);
        int max = limit.max();
        if (size < Frame.HEADER_SIZE || size > max) {
            OUT_OF_BOUNDS.log(
                    logKey,
                    () -> "closing connection from " + PeerName.of(ctx.channel()) + ": frame size " + size
                            + " outside [7, " + max + "]");
            discarding = true;
            ctx.channel().attr(CLOSED_BECAUSE).set("frame size " + size + " outside [7, " + max + "]");
            in.skipBytes(in.readableBytes());
            ctx.flush(); // the replies to the frames before it, which the session queued for its batch's flush
            ctx.close();
            return;
        }
        if (in.readableBytes() < size) {
            return;
        }
        int type = in.getUnsignedByte(start + 4);
        int tag = in.getUnsignedShortLE(start + 5);
        ByteBuf body = in.slice(start + Frame.HEADER_SIZE, (int) size - Frame.HEADER_SIZE);
        in.skipBytes((int) size);
        try {
            Message message = MessageDecoder.decode(type, body, direction, dialect.current());
            out.add(new Frame(tag, message));
            if (direction == Direction.REQUESTS && message instanceof TMessage.Tversion) {
                dialect.versionRead();
            }
        } catch (MalformedMessageException e) {
            out.add(new MalformedFrame(tag, type, e.errno(), e.getMessage()));
        }
    }
}
