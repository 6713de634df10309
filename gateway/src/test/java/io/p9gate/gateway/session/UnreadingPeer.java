package io.p9gate.gateway.session;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;

/**
 * A guest that does not read its socket, placed next to the pipeline's head: replies reach the
 * channel's outbound buffer (and count against its water marks) but are never flushed out,
 * until {@link #startReading}. Records the most reply bytes that were ever queued.
 */
final class UnreadingPeer extends ChannelOutboundHandlerAdapter {
    private boolean reading;
    private long mostQueued;

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        ctx.write(msg, promise);
        ChannelOutboundBuffer queued = ctx.channel().unsafe().outboundBuffer();
        if (queued != null) {
            mostQueued = Math.max(mostQueued, queued.totalPendingWriteBytes());
        }
    }

    @Override
    public void flush(ChannelHandlerContext ctx) {
        if (reading) {
            ctx.flush();
        }
    }

    /** The guest reads everything queued so far and keeps reading. */
    void startReading(ChannelHandlerContext ctx) {
        reading = true;
        ctx.flush();
    }

    /** Outbound bytes as Netty counts them: payload plus its per-entry overhead. */
    long mostQueued() {
        return mostQueued;
    }
}
