package io.p9gate.gateway.session;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.p9gate.gateway.budget.Admission;
import io.p9gate.gateway.codec.FrameHold;
import java.util.concurrent.RejectedExecutionException;

/**
 * No read from the socket while the connection's outbound buffer is above its high-water mark, or while its VM's
 * queued replies are at its {@code reply-bytes} budget, whoever asks for it (R-ROB-1/2). Sits next to the socket. The
 * session stops reading when its replies pile up unread, but below it a TLS engine answers records by itself: a TLS
 * 1.3 KeyUpdate that requests an update is answered with one, and Netty's SslHandler asks for the next read whenever
 * a read gave it no application data, whatever the channel's auto-read says. A peer that sent such requests and never
 * read took the gateway's memory at the rate it sent (issue: KeyUpdate flood), and with only the high-water mark
 * here, each of a VM's connections still queued answers up to it past the VM's budget. Here a read asked for while
 * either is full waits until it drains.
 */
final class ReadGate extends ChannelDuplexHandler {
    /** Fired up the pipeline when the VM has reply room again and this gate had turned auto-read off for it. */
    enum VmHasRoom {
        EVENT
    }

    private final Admission admission;
    /** Held by the session while the read in hand waits undecoded: a read now would only add to it. */
    private final FrameHold hold;

    private boolean readWaiting;
    /** Parked in {@link #admission} until the VM's replies drain: registered once per wait. */
    private boolean waitingForVm;
    /** The connection went: a read asked for now does nothing, and must not park a wake nobody forgets. */
    private boolean gone;
    /** This gate turned auto-read off while the VM had no room: the session, which owns it, turns it on again. */
    private boolean heldAutoRead;

    private Runnable vmWake;

    ReadGate(Admission admission, FrameHold hold) {
        this.admission = admission;
        this.hold = hold;
    }

    @Override
    public boolean isSharable() {
        return false;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        vmWake = () -> {
            try {
                ctx.executor().execute(() -> vmHasRoom(ctx));
            } catch (RejectedExecutionException e) {
                // The gateway is shutting down: nothing left to read.
            }
        };
    }

    @Override
    public void read(ChannelHandlerContext ctx) {
        if (gone) {
            ctx.read();
        } else if (!ctx.channel().isWritable() || waitingForVm || hold.held()) {
            readWaiting = true;
        } else if (!admission.hasReplyRoom(vmWake)) {
            waitingForVm = true;
            readWaiting = true;
            // Auto-read keeps the socket armed without asking for reads: the VM's budget disarms it too.
            if (ctx.channel().config().isAutoRead()) {
                heldAutoRead = true;
                ctx.channel().config().setAutoRead(false);
            }
        } else {
            readWaiting = false;
            ctx.read();
        }
    }

    private void vmHasRoom(ChannelHandlerContext ctx) {
        waitingForVm = false;
        if (gone) {
            return;
        }
        if (readWaiting) {
            read(ctx); // asks the budget again: another connection may have taken the room meanwhile
        }
        if (heldAutoRead && !waitingForVm) {
            heldAutoRead = false;
            ctx.fireUserEventTriggered(VmHasRoom.EVENT); // the session resumes reading if it can serve
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
            read(ctx);
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        gone = true;
        admission.forget(vmWake); // a connection that goes away is no longer woken
        ctx.fireChannelInactive();
    }
}
