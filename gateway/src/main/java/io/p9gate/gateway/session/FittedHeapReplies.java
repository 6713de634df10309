package io.p9gate.gateway.session;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;

/**
 * Hands the socket side a heap reply buffer as a direct one of its bytes when it fills less than half of it. Below a
 * TLS engine every record comes in a heap buffer of the engine's largest packet (the JDK's: about 16.7 KiB), however
 * small: {@link ReplyMeter} charged a 30-byte Rflush or KeyUpdate record 16.7 KiB, so a TLS VM's budget held a few
 * hundred unread small replies instead of hundreds of thousands. The transport copies a heap buffer into a direct one
 * of its readable bytes before the socket anyway: copied here, it is copied once, as before.
 */
final class FittedHeapReplies extends ChannelOutboundHandlerAdapter {
    @Override
    public boolean isSharable() {
        return true;
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (!(msg instanceof ByteBuf buf) || buf.isDirect() || buf.readableBytes() >= buf.capacity() / 2) {
            ctx.write(msg, promise);
            return;
        }
        ByteBuf fitted;
        try {
            fitted = ctx.alloc().directBuffer(buf.readableBytes()).writeBytes(buf);
        } finally {
            buf.release();
        }
        ctx.write(fitted, promise);
    }
}
