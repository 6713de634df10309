package io.p9gate.gateway.server;

import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.EventLoop;
import io.netty.util.ReferenceCountUtil;
import io.p9gate.gateway.codec.PeerCausedLog;
import io.p9gate.gateway.codec.PipelineErrorHandler;
import java.util.ArrayDeque;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicReference;

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
 *
 * <p>Between the loops the channel is registered with none, and Netty tells the handlers of a channel closed then
 * nothing: no channelInactive, no channelUnregistered, so none of them is removed, and what they hold (the data held
 * here, the TLS handler's buffers and engine) would never be released. So a close asked for during the move waits
 * here until the channel is registered with the VM's loop, and is made there; and a move that ends with the channel
 * closed and unregistered (the VM's loops shut down, the socket closed below the pipeline, a registration refused)
 * fires those two events itself, on the loop the channel last named, so that the pipeline takes itself apart as
 * after any close.
 */
final class LoopMove extends ChannelDuplexHandler {
    static final String NAME = "loop-move";
    private static final System.Logger LOG = System.getLogger(LoopMove.class.getName());

    /** Until the channel is registered with the VM's loop; a close asked for meanwhile takes its place. */
    private static final Object MOVING = new Object();

    private static final Object ARRIVED = new Object();
    private static final Object ABANDONED = new Object();

    /** {@link #MOVING}, {@link #ARRIVED}, {@link #ABANDONED}, or the promise of the close asked for during the move. */
    private final AtomicReference<Object> state = new AtomicReference<>(MOVING);

    private final ArrayDeque<Object> held = new ArrayDeque<>();
    private ChannelHandlerContext ctx;
    private final PipelineErrorHandler errors;

    /** @param logKey whose the connection is ({@link PeerCausedLog#key}): one VM's flood hides no other's line */
    LoopMove(String logKey) {
        this.errors = new PipelineErrorHandler(logKey);
    }

    /**
     * On the channel's current loop: stops reading, moves the channel, and runs {@code arrived} on {@code target}
     * before passing on what was held (it installs the session there); {@code logKey} as for the session
     * ({@link PeerCausedLog#key}). A move that fails, or during which the
     * connection is closed, closes it and releases what its handlers hold, without running {@code arrived}.
     */
    static void move(Channel channel, EventLoop target, String logKey, Runnable arrived) {
        LoopMove move = new LoopMove(logKey);
        channel.config().setAutoRead(false);
        channel.pipeline().addLast(NAME, move);
        channel.deregister().addListener(off -> {
            // On the old loop, which the channel still names: only the registration below changes that.
            if (!off.isSuccess()) {
                move.abandon(channel, off.cause());
                return;
            }
            try {
                target.execute(() -> move.register(channel, target, arrived));
            } catch (RejectedExecutionException e) {
                move.abandon(channel, e); // the VM's loops are shut down
            }
        });
    }

    /** On {@code target}: registers the channel there (which makes it the channel's loop, even if that fails). */
    private void register(Channel channel, EventLoop target, Runnable arrived) {
        target.register(channel).addListener(on -> {
            if (!on.isSuccess() || !channel.isOpen()) {
                abandon(channel, on.cause());
                return;
            }
            if (!state.compareAndSet(MOVING, ARRIVED)) {
                // Closed by the gateway (its stop) during the move: the close is made now, on this loop, and no
                // session is installed on the connection.
                ctx.close((ChannelPromise) state.get());
                return;
            }
            // Now on the VM's loop: the session, reading again (from the loop's next turn), then what was held,
            // so that a session that stops reading for it (a Tversion held here) keeps it stopped.
            try {
                arrived.run();
            } catch (RuntimeException e) {
                // Closed, as an exception raised by a handler is (the held data released with it).
                channel.pipeline().fireExceptionCaught(e);
                return;
            }
            channel.config().setAutoRead(true);
            if (ctx.pipeline().get(LoopMove.class) == this) {
                ctx.pipeline().remove(this);
            }
        });
    }

    /**
     * On the loop the channel names: the move is over without a session. A channel still registered is closed as
     * usual; one registered with no loop is closed, and told so as a registered one would be (below).
     */
    private void abandon(Channel channel, Throwable cause) {
        assert channel.eventLoop().inEventLoop();
        Object was = state.getAndSet(ABANDONED);
        if (was instanceof ChannelPromise asked) {
            channel.closeFuture().addListener(f -> asked.trySuccess());
        } else if (cause instanceof RejectedExecutionException) {
            LOG.log(System.Logger.Level.DEBUG, "closing a connection: its VM's event loops are shut down");
        } else if (cause != null && channel.isOpen()) {
            LOG.log(System.Logger.Level.ERROR, "cannot move a connection to its VM's event loops; closing it", cause);
        }
        if (channel.isRegistered()) {
            channel.close();
            return;
        }
        channel.unsafe().close(channel.unsafe().voidPromise());
        // What Netty's close fires for a registered channel: the handlers see the connection end, and the closed
        // channel's pipeline then removes every handler (handlerRemoved releases their buffers and TLS engine).
        channel.pipeline().fireChannelInactive();
        channel.pipeline().fireChannelUnregistered();
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    /**
     * A close asked for while the channel is between loops (the gateway's stop closes every connection from its
     * own thread) waits for the channel to reach the VM's loop; made on the old loop, it would close a channel
     * that no loop serves, or race its registration on the other.
     */
    @Override
    public void close(ChannelHandlerContext ctx, ChannelPromise promise) {
        if (state.compareAndSet(MOVING, promise)) {
            return;
        }
        if (state.get() instanceof ChannelPromise) {
            ctx.channel().closeFuture().addListener(f -> promise.trySuccess()); // a second close: the first's
            return;
        }
        ctx.close(promise);
    }

    /**
     * Until the session is installed this is the last handler: an error here (bytes after the handshake the TLS
     * engine cannot decode) is handled as the session's last handler would, in one throttled line, closing the
     * connection (throttled per VM); it reached Netty's tail before, one unthrottled WARNING per connection with the
     * guest's bytes.
     */
    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        errors.exceptionCaught(ctx, cause);
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
