package io.p9gate.gateway.identity;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.group.ChannelGroup;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.ssl.SslHandler;
import io.p9gate.gateway.server.Gateway;
import java.lang.reflect.Field;
import java.lang.reflect.Method;

/** What the TLS handlers of a gateway's connections hold of records not yet whole. */
final class TlsHandlerBuffers {
    private TlsHandlerBuffers() {}

    /**
     * The capacity of every connection's TLS handler buffer, now: read through Netty's protected accessor, which the
     * gateway has no reason to expose.
     */
    static long gathered(Gateway gateway) throws Exception {
        Field field = Gateway.class.getDeclaredField("connections");
        field.setAccessible(true);
        Method buffer = ByteToMessageDecoder.class.getDeclaredMethod("internalBuffer");
        buffer.setAccessible(true);
        long held = 0;
        for (Channel channel : (ChannelGroup) field.get(gateway)) {
            SslHandler tls = channel.pipeline().get(SslHandler.class);
            if (tls != null) {
                held += channel.eventLoop()
                        .submit(() -> ((ByteBuf) buffer.invoke(tls)).capacity())
                        .get();
            }
        }
        return held;
    }
}
