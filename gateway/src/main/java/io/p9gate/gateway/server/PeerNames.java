package io.p9gate.gateway.server;

import io.netty.channel.Channel;
import io.netty.channel.ChannelException;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.unix.PeerCredentials;
import java.io.IOException;
import java.net.InetSocketAddress;

/** Printable peer descriptions for logs and {@code ConnectionContext.peer}. */
final class PeerNames {
    private PeerNames() {}

    static String describe(Channel channel, ListenSpec listener) {
        return switch (listener) {
            case ListenSpec.Unix unix -> {
                try {
                    PeerCredentials cred = ((EpollDomainSocketChannel) channel).peerCredentials();
                    yield listener.describe() + " pid=" + cred.pid() + " uid=" + Integer.toUnsignedString(cred.uid());
                } catch (IOException | ChannelException | ClassCastException e) { // Netty's getsockopt: unchecked
                    yield listener.describe();
                }
            }
            case ListenSpec.Vsock vsock -> {
                try {
                    yield "vsock:"
                            + SocketOptions.vsockPeer(((EpollDomainSocketChannel) channel)
                                            .fd()
                                            .intValue())
                                    .describe()
                                    .replace(" port=", ":")
                                    .replace("cid=", "");
                } catch (IOException | ClassCastException e) {
                    yield listener.describe();
                }
            }
            case ListenSpec.Tcp tcp -> inet(channel, "tcp:");
            case ListenSpec.Tls tls -> inet(channel, "tls:");
        };
    }

    private static String inet(Channel channel, String scheme) {
        if (channel.remoteAddress() instanceof InetSocketAddress inet) {
            return scheme + new PeerFacts.Tcp(inet).describe();
        }
        return String.valueOf(channel.remoteAddress());
    }
}
