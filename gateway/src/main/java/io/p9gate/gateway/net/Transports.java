package io.p9gate.gateway.net;

import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import java.io.IOException;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.util.concurrent.ThreadFactory;

/**
 * Picks Netty's native epoll transport when it loads (needed for Unix sockets, faster for TCP)
 * and NIO otherwise. Shared by the server and the Java client so both behave alike.
 */
public final class Transports {
    private Transports() {}

    public static boolean nativeAvailable() {
        return Epoll.isAvailable();
    }

    public static EventLoopGroup newGroup(int threads, ThreadFactory threadFactory) {
        IoHandlerFactory io = nativeAvailable() ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        return new MultiThreadIoEventLoopGroup(threads, threadFactory, io);
    }

    public static Class<? extends ServerChannel> tcpServer() {
        return nativeAvailable() ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
    }

    public static Class<? extends Channel> tcpClient() {
        return nativeAvailable() ? EpollSocketChannel.class : NioSocketChannel.class;
    }

    public static Class<? extends ServerChannel> unixServer() throws IOException {
        requireNative();
        return EpollServerDomainSocketChannel.class;
    }

    public static Class<? extends Channel> unixClient() throws IOException {
        requireNative();
        return EpollDomainSocketChannel.class;
    }

    /** Netty wants its own address type for Unix sockets; callers use the JDK's. */
    public static SocketAddress toNetty(SocketAddress address) {
        return address instanceof UnixDomainSocketAddress unix
                ? new DomainSocketAddress(unix.getPath().toString())
                : address;
    }

    private static void requireNative() throws IOException {
        if (!nativeAvailable()) {
            throw new IOException("Unix sockets need Netty's native epoll transport, which did not load: "
                    + Epoll.unavailabilityCause());
        }
    }
}
