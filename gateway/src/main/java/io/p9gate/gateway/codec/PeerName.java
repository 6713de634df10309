package io.p9gate.gateway.codec;

import io.netty.channel.Channel;
import io.netty.util.AttributeKey;

/**
 * The printable peer of a connection, for log lines. Set once by whoever accepts or opens the
 * channel (Unix socket peers have no useful remote address of their own).
 */
public final class PeerName {
    private static final AttributeKey<String> KEY = AttributeKey.valueOf(PeerName.class, "peer");

    private PeerName() {}

    public static void set(Channel channel, String peer) {
        channel.attr(KEY).set(peer);
    }

    public static String of(Channel channel) {
        String peer = channel.attr(KEY).get();
        return peer != null ? peer : String.valueOf(channel.remoteAddress());
    }
}
