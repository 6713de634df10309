package io.p9gate.gateway.session;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufHolder;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.FileRegion;
import io.p9gate.gateway.budget.Admission;

/**
 * Counts the reply bytes a connection has queued and not yet written to its socket into its VM's
 * {@link Admission} (the {@code reply-bytes} budget, R-ROB-2), so that a VM whose connections leave replies
 * unread stops being served on all of them, not only on each one past its own high-water mark. Sits next to
 * the socket: it sees the encoded buffers, and their promises complete when the bytes are written or dropped.
 */
final class ReplyMeter extends ChannelOutboundHandlerAdapter {
    private final Admission admission;

    ReplyMeter(Admission admission) {
        this.admission = admission;
    }

    @Override
    public boolean isSharable() {
        return false;
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        long bytes = sizeOf(msg);
        if (bytes == 0) {
            ctx.write(msg, promise);
            return;
        }
        admission.replyQueued(bytes);
        // A void promise takes no listener: unvoid() gives one that still reports failures the same way.
        ChannelPromise counted = promise.unvoid();
        counted.addListener(done -> admission.replyWritten(bytes));
        ctx.write(msg, counted);
    }

    private static long sizeOf(Object msg) {
        return switch (msg) {
            // What the buffer holds, not what it carries: a reply holds its whole buffer until the guest reads it.
            case ByteBuf buf -> buf.capacity();
            case ByteBufHolder holder -> holder.content().capacity();
            case FileRegion region -> region.count();
            default -> 0;
        };
    }
}
