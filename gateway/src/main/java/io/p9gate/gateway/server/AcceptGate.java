package io.p9gate.gateway.server;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.p9gate.gateway.codec.PeerCausedLog;

/**
 * A check on a listener's server channel, on the accept thread, of each connection before it is handed to the event
 * loops (R-ROB-2): a connection it refuses is closed there, never registered, so no loop (of its VM or the shared
 * ones) spends anything on it, and it holds its descriptor no longer than the check. Subclasses are sharable.
 */
abstract class AcceptGate extends ChannelInboundHandlerAdapter {
    private static final System.Logger LOG = System.getLogger(AcceptGate.class.getName());
    /** A check that fails for one connection fails for the next: at most one line a minute. */
    private static final PeerCausedLog FAILED = new PeerCausedLog(LOG, System.Logger.Level.WARNING);

    @Override
    public final void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof Channel child && !admitted(child)) {
            child.unsafe().closeForcibly();
            return;
        }
        ctx.fireChannelRead(msg);
    }

    /** Whether {@code child} may go on to the loops; having recorded why, if not. */
    abstract boolean admits(Channel child);

    /**
     * As {@link #admits}; a check that throws (an identifier's bug, a policy it cannot read) refuses the connection.
     * Thrown out of here, the connection was never closed, its descriptor held for good, and Netty's acceptor stopped
     * accepting on the listener for a second (VsockAcceptBacklogAttackTest).
     */
    private boolean admitted(Channel child) {
        try {
            return admits(child);
        } catch (RuntimeException e) {
            FAILED.log(
                    getClass().getSimpleName(),
                    () -> "refused a connection whose check at accept failed ("
                            + getClass().getSimpleName() + "): " + e);
            return false;
        }
    }
}
