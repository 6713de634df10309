package io.p9gate.gateway.client;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.p9gate.gateway.codec.CodecBuffers;
import io.p9gate.gateway.codec.FrameDecoder;
import io.p9gate.gateway.codec.MalformedFrame;
import io.p9gate.gateway.proto.Frame;
import io.p9gate.gateway.proto.RMessage;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.IntConsumer;

/** Client side: completes the pending call of each reply's tag; fails them all when the connection ends. */
final class ReplyRouter extends ChannelInboundHandlerAdapter {
    private static final System.Logger LOG = System.getLogger(ReplyRouter.class.getName());

    private final Map<Integer, CompletableFuture<RMessage>> pending = new ConcurrentHashMap<>();
    private final IntConsumer tagFreed;
    /** Said to each call the connection's end fails: "connection closed", and why when the decoder closed it. */
    private volatile String closed;

    ReplyRouter(IntConsumer tagFreed) {
        this.tagFreed = tagFreed;
    }

    /** Registers a call; false if the tag is taken (the caller picks another). */
    boolean register(int tag, CompletableFuture<RMessage> reply) {
        if (pending.putIfAbsent(tag, reply) != null) {
            return false;
        }
        String why = closed;
        if (why != null) {
            fail(tag, new ConnectionClosedException(why));
        }
        return true;
    }

    void fail(int tag, Throwable cause) {
        CompletableFuture<RMessage> call = pending.remove(tag);
        if (call != null) {
            tagFreed.accept(tag);
            call.completeExceptionally(cause);
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        switch (msg) {
            case Frame frame -> {
                CompletableFuture<RMessage> call = pending.remove(frame.tag());
                if (call == null || !(frame.body() instanceof RMessage reply)) {
                    LOG.log(System.Logger.Level.WARNING, () -> "reply for unknown tag " + frame.tag() + " ignored");
                    CodecBuffers.releasePayload(frame.body());
                    return;
                }
                tagFreed.accept(frame.tag());
                if (!call.complete(reply)) {
                    CodecBuffers.releasePayload(reply);
                }
            }
            case MalformedFrame bad -> fail(bad.tag(), new IOException("malformed reply: " + bad.reason()));
            default -> ctx.fireChannelRead(msg);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        String decoderClosed = ctx.channel().attr(FrameDecoder.CLOSED_BECAUSE).get();
        String why = decoderClosed == null
                ? "connection closed"
                : "connection closed: the server sent a " + decoderClosed + " (not a 9P server?)";
        closed = why;
        for (Integer tag : pending.keySet()) {
            fail(tag, new ConnectionClosedException(why));
        }
        ctx.fireChannelInactive();
    }
}
