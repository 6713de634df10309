package io.p9gate.gateway.codec;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.p9gate.gateway.proto.Frame;
import java.util.List;

/**
 * Splits the byte stream into 9P frames and decodes each into a {@link Frame} (or a
 * {@link MalformedFrame} when only the body is bad). A size field below the 7-byte header or
 * above the {@link FrameLimit} means the stream can no longer be trusted: one WARN line and the
 * connection is closed (R-PROTO-2, R-ROB-1).
 */
public final class FrameDecoder extends ByteToMessageDecoder {
    private static final System.Logger LOG = System.getLogger(FrameDecoder.class.getName());

    private final FrameLimit limit;
    private final Direction direction;
    private final WireDialect dialect;
    private boolean discarding;

    /** Frames of a 9P2000.L connection. */
    public FrameDecoder(FrameLimit limit, Direction direction) {
        this(limit, direction, new WireDialect());
    }

    /** Frames read in the connection's current {@code dialect}. */
    public FrameDecoder(FrameLimit limit, Direction direction, WireDialect dialect) {
        this.limit = limit;
        this.direction = direction;
        this.dialect = dialect;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (discarding) {
            in.skipBytes(in.readableBytes());
            return;
        }
        if (in.readableBytes() < 4) {
            return;
        }
        int start = in.readerIndex();
        long size = in.getUnsignedIntLE(start);
        int max = limit.max();
        if (size < Frame.HEADER_SIZE || size > max) {
            LOG.log(
                    System.Logger.Level.WARNING,
                    () -> "closing connection from " + PeerName.of(ctx.channel()) + ": frame size " + size
                            + " outside [7, " + max + "]");
            discarding = true;
            in.skipBytes(in.readableBytes());
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
            out.add(new Frame(tag, MessageDecoder.decode(type, body, direction, dialect.current())));
        } catch (MalformedMessageException e) {
            out.add(new MalformedFrame(tag, type, e.errno(), e.getMessage()));
        }
    }
}
