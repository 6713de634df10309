package io.p9gate.gateway.server;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

/**
 * A check on a listener's server channel, on the accept thread, of each connection before it is handed to the event
 * loops (R-ROB-2): a connection it refuses is closed there, never registered, so no loop (of its VM or the shared
 * ones) spends anything on it, and it holds its descriptor no longer than the check. Subclasses are sharable.
 */
abstract class AcceptGate extends ChannelInboundHandlerAdapter {
    @Override
    public final void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof Channel child && !admits(child)) {
            child.unsafe().closeForcibly();
            return;
        }
        ctx.fireChannelRead(msg);
    }

    /** Whether {@code child} may go on to the loops; having recorded why, if not. */
    abstract boolean admits(Channel child);
}
