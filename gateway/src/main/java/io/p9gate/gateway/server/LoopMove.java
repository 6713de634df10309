package io.p9gate.gateway.server;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.util.ReferenceCountUtil;
import io.p9gate.gateway.codec.PipelineErrorHandler;
import java.util.ArrayDeque;

/**
 * Moves a connection of a listener several VMs share (tls:, vsock:) onto its VM's own event loops once the transport
 * has named the VM (R-ROB-2). On the shared loops every VM's frames are decrypted, decoded, encoded and encrypted
 * in one FIFO: a VM streaming 1 MiB reads queued tens of milliseconds of that work ahead of each small reply of
 * every other VM on the listener. On its own loops a VM's traffic waits only behind its own.
 *
 * <p>Sits right after the transport's handlers, in front of the session: what the transport already read (a TLS
 * record that came with the handshake's end) is held here, in order, while the channel is deregistered from the
 * shared loop and registered with the VM's, and passed on from there. Nothing of the session runs before, so no
 * task of it is ever left on the old loop.
 */
final class LoopMove extends ChannelInboundHandlerAdapter {
    static final String NAME = "loop-move";
    private static final System.Logger LOG = System.getLogger(LoopMove.class.getName());

    private static final PipelineErrorHandler ERRORS = new PipelineErrorHandler();

    private final ArrayDeque<Object> held = new ArrayDeque<>();

    /**
     * On the channel's current loop: stops reading, moves the channel, and runs {@code arrived} on {@code target}
     * before passing on what was held (it installs the session there). A move that fails closes the connection
     * without running {@code arrived}.
     */
    static void move(Channel channel, EventLoop target, Runnable arrived) {
        channel.config().setAutoRead(false);
        channel.pipeline().addLast(NAME, new LoopMove());
        channel.deregister().addListener(off -> {
            if (!off.isSuccess()) {
                fail(channel, off.cause());
                return;
            }
            target.register(channel).addListener(on -> {
                if (!on.isSuccess()) {
                    fail(channel, on.cause());
                    return;
                }
                if (!channel.isOpen()) {
                    return; // closed during the move (an error below, the peer, the gateway stopping)
                }
                // Now on the VM's loop: the session, reading again (from the loop's next turn), then what was
                // held, so that a session that stops reading for it (a Tversion held here) keeps it stopped.
                try {
                    arrived.run();
                } catch (RuntimeException e) {
                    // Closed, as an exception raised by a handler is (the held data released with it).
                    channel.pipeline().fireExceptionCaught(e);
                    return;
                }
                channel.config().setAutoRead(true);
                LoopMove hold = channel.pipeline().get(LoopMove.class);
                if (hold != null) {
                    channel.pipeline().remove(hold);
                }
            });
        });
    }

    private static void fail(Channel channel, Throwable cause) {
        if (!channel.isOpen()) {
            return; // the peer left, or the gateway is stopping: nothing to move
        }
        LOG.log(System.Logger.Level.ERROR, "cannot move a connection to its VM's event loops; closing it", cause);
        if (channel.isRegistered()) {
            channel.close();
        } else {
            channel.unsafe().closeForcibly();
        }
    }

    /**
     * Until the session is installed this is the last handler: an error here (bytes after the handshake the TLS
     * engine cannot decode) is handled as the session's last handler would, in one throttled line, closing the
     * connection; it reached Netty's tail before, one unthrottled WARNING per connection with the guest's bytes.
     */
    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ERRORS.exceptionCaught(ctx, cause);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        held.add(msg);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        // passed on with what was held
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        if (held.isEmpty()) {
            return;
        }
        if (!ctx.channel().isActive()) {
            held.forEach(ReferenceCountUtil::release);
            held.clear();
            return;
        }
        while (!held.isEmpty()) {
            ctx.fireChannelRead(held.poll());
        }
        ctx.fireChannelReadComplete();
    }
}
