package io.p9gate.gateway.codec;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.io.IOException;

/**
 * The last inbound handler: an exception that reached the end of the pipeline is logged in one
 * line and the connection is closed, so nothing escapes to Netty's "unhandled" warning (R-ROB-1).
 */
@io.netty.channel.ChannelHandler.Sharable
public final class PipelineErrorHandler extends ChannelInboundHandlerAdapter {
    private static final System.Logger LOG = System.getLogger(PipelineErrorHandler.class.getName());
    /** A peer can cause these (bytes a TLS engine cannot decode) once per connection, as often as it connects. */
    private static final PeerCausedLog UNEXPECTED = new PeerCausedLog(LOG, System.Logger.Level.WARNING);

    private final String logKey;
    private final boolean refusalExpected;

    /** Lines throttled for the whole process: a client's pipeline, or one no VM or listener names. */
    public PipelineErrorHandler() {
        this(PeerCausedLog.ANY);
    }

    /** @param logKey whose the connections are ({@link PeerCausedLog#key}): one VM's flood hides no other's line */
    public PipelineErrorHandler(String logKey) {
        this(logKey, false);
    }

    private PipelineErrorHandler(String logKey, boolean refusalExpected) {
        this.logKey = logKey;
        this.refusalExpected = refusalExpected;
    }

    /**
     * For a client connection that is meant to be refused (a probe presenting a certificate the server must not
     * accept): the refusal is the caller's result to report, not a WARNING line, so it is logged at DEBUG only.
     */
    public static PipelineErrorHandler refusalExpected() {
        return new PipelineErrorHandler(PeerCausedLog.ANY, true);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // A peer resetting the connection is routine; anything else deserves attention.
        if (cause instanceof IOException || refusalExpected) {
            LOG.log(
                    System.Logger.Level.DEBUG,
                    () -> "closing connection from " + PeerName.of(ctx.channel()) + ": " + cause);
        } else {
            UNEXPECTED.log(logKey, () -> "closing connection from " + PeerName.of(ctx.channel()) + ": " + cause);
        }
        ctx.close();
    }
}
