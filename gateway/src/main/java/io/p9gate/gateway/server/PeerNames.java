package io.p9gate.gateway.server;

import io.netty.channel.Channel;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.unix.PeerCredentials;
import java.io.IOException;
import java.net.InetSocketAddress;

/** Printable peer descriptions for logs and {@code ConnectionContext.peer}. */
final class PeerNames {
    private PeerNames() {
    }

    static String describe(Channel channel, ListenSpec listener) {
        if (channel instanceof EpollDomainSocketChannel unix) {
            try {
                PeerCredentials cred = unix.peerCredentials();
                return listener.describe() + " pid=" + cred.pid() + " uid=" + cred.uid();
            } catch (IOException e) {
                return listener.describe();
            }
        }
        if (channel.remoteAddress() instanceof InetSocketAddress inet) {
            String host = inet.getAddress() != null ? inet.getAddress().getHostAddress() : inet.getHostString();
            return "tcp:" + (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + inet.getPort();
        }
        return String.valueOf(channel.remoteAddress());
    }
}
