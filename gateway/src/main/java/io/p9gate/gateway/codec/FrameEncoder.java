package io.p9gate.gateway.codec;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.EncoderException;
import io.netty.handler.codec.MessageToMessageEncoder;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.Frame;
import io.p9gate.gateway.proto.RMessage;
import java.util.List;

/**
 * Encodes a {@link Frame} into a pooled header buffer followed, for Twrite and Rread, by the
 * payload buffer itself (no copy; the channel releases it once written). Encoding consumes the
 * payload: whoever writes such a frame hands its reference over.
 *
 * <p>A frame over the {@link FrameLimit} is a bug on our side, or a guest's doing (a symlink target it made, read
 * over the smallest msize): logged once per connection. A server ({@link Direction#REPLIES}
 * outbound) replaces it with EIO in the session's dialect (Rlerror, or Rerror in 9P2000 and .u) so that the client
 * is not left waiting. The request's record, written before the reply existed, cannot say that EIO: every reply whose
 * size the guest or the host can push is bounded while the request is served, so that its record says what the guest
 * gets (docs/protocol.md; adversarial.SmallMsizeReplyBoundAttackTest), and this is left a logged bug path. A client
 * ({@link Direction#REQUESTS} outbound) fails the write.
 */
public final class FrameEncoder extends MessageToMessageEncoder<Frame> {
    private static final System.Logger LOG = System.getLogger(FrameEncoder.class.getName());
    /** Replies over msize, of every connection (PeerCausedLog, keyed by the connection's VM or listener). */
    private static final PeerCausedLog OVERSIZED = new PeerCausedLog(LOG, System.Logger.Level.ERROR);

    private static final int SMALL_FRAME = 128;

    private final FrameLimit limit;
    private final Direction sending;
    private final WireDialect dialect;
    private final String logKey;
    /** Whether an oversized reply of this connection was logged: a guest can cause one per request. */
    private boolean oversizedLogged;

    public FrameEncoder(FrameLimit limit, Direction sending) {
        this(limit, sending, new WireDialect());
    }

    /** @param dialect the connection's, shared with its decoder: the EIO of an oversized reply is spelled in it */
    public FrameEncoder(FrameLimit limit, Direction sending, WireDialect dialect) {
        this(limit, sending, dialect, PeerCausedLog.ANY);
    }

    /** @param logKey whose the connection is ({@link PeerCausedLog#key}): one VM's flood of lines hides no other's */
    public FrameEncoder(FrameLimit limit, Direction sending, WireDialect dialect, String logKey) {
        super(Frame.class);
        this.limit = limit;
        this.sending = sending;
        this.dialect = dialect;
        this.logKey = logKey;
    }

    @Override
    protected void encode(ChannelHandlerContext ctx, Frame frame, List<Object> out) {
        ByteBuf payload = CodecBuffers.payloadOf(frame.body());
        ByteBuf head = ctx.alloc().ioBuffer(estimate(frame));
        try {
            int size = MessageEncoder.writeHeaderAndBody(frame, head);
            if (size > limit.max()) {
                head.clear();
                oversized(frame, size, head);
                CodecBuffers.releasePayload(frame.body());
                payload = null;
            }
        } catch (RuntimeException e) {
            head.release();
            CodecBuffers.releasePayload(frame.body());
            throw e instanceof EncoderException ? e : new EncoderException(e);
        }
        out.add(head);
        if (payload != null) {
            out.add(payload);
        }
    }

    private void oversized(Frame frame, int size, ByteBuf head) {
        String what = frame.body().getClass().getSimpleName() + " of " + size + " bytes over msize " + limit.max();
        if (sending == Direction.REQUESTS) {
            throw new EncoderException(what);
        }
        // Not always our bug: a guest reads over the smallest msize a symlink whose long target it made. One line
        // per connection, so that it cannot write a line per request into the host's log, and at most one a minute
        // per VM, so that it cannot by reconnecting either.
        if (!oversizedLogged) {
            oversizedLogged = true;
            OVERSIZED.log(
                    logKey,
                    () -> "replacing oversized reply with EIO; its request's audit record says what was served, not"
                            + " this EIO (further ones on this connection are not logged): " + what);
        }
        MessageEncoder.writeHeaderAndBody(new Frame(frame.tag(), dialect.spell(new RMessage.Rlerror(Errno.EIO))), head);
    }

    /** Room for the fixed fields; Rreaddir and Rgetattr need more than the common small frame. */
    private static int estimate(Frame frame) {
        if (frame.body() instanceof RMessage.Rreaddir r) {
            return SMALL_FRAME + r.entries().size() * 64;
        }
        return frame.body() instanceof RMessage.Rgetattr ? 160 : SMALL_FRAME;
    }
}
