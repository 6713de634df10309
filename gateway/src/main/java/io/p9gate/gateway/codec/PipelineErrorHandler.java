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

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // A peer resetting the connection is routine; anything else deserves attention.
        System.Logger.Level level =
                cause instanceof IOException ? System.Logger.Level.DEBUG : System.Logger.Level.WARNING;
        LOG.log(level, () -> "closing connection from " + PeerName.of(ctx.channel()) + ": " + cause);
        ctx.close();
    }
}
