package io.p9gate.gateway.session;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;

/**
 * No read from the socket while the connection's outbound buffer is above its high-water mark, whoever asks for
 * it (R-ROB-1/2). Sits next to the socket. The session stops reading when its replies pile up unread, but below it
 * a TLS engine answers records by itself: a TLS 1.3 KeyUpdate that requests an update is answered with one, and
 * Netty's SslHandler asks for the next read whenever a read gave it no application data, whatever the channel's
 * auto-read says. A peer that sent such requests and never read took the gateway's memory at the rate it sent
 * (issue: KeyUpdate flood). Here a read asked for while the buffer is full waits until it drains.
 */
final class ReadGate extends ChannelDuplexHandler {
    private boolean readWaiting;

    @Override
    public boolean isSharable() {
        return false;
    }

    @Override
    public void read(ChannelHandlerContext ctx) {
        if (ctx.channel().isWritable()) {
            readWaiting = false;
            ctx.read();
        } else {
            readWaiting = true;
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (!ctx.channel().isWritable()) {
            // Auto-read keeps the socket armed without asking for reads: the session, which owns it, turns it off
            // (and on again once the replies drain and it can serve).
            ctx.fireChannelWritabilityChanged();
            return;
        }
        if (readWaiting) {
            readWaiting = false;
            ctx.read();
        }
        ctx.fireChannelWritabilityChanged();
    }
}
