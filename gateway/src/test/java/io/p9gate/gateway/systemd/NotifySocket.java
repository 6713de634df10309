package io.p9gate.gateway.systemd;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.EpollDomainDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.unix.DomainDatagramPacket;
import io.netty.channel.unix.DomainSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * What systemd listens on for a {@code Type=notify} service: a Unix datagram socket. Received through Netty's
 * epoll datagram channel, an implementation independent of the FFM sender under test.
 */
public final class NotifySocket implements AutoCloseable {
    private static final long WAIT_SECONDS = 60;
    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
    private final BlockingQueue<String> messages = new LinkedBlockingQueue<>();
    private final Channel channel;
    public final String address;

    private NotifySocket(String address, String nettyPath) throws InterruptedException {
        this.address = address;
        this.channel = new Bootstrap()
                .group(group)
                .channel(EpollDomainDatagramChannel.class)
                .handler(new SimpleChannelInboundHandler<DomainDatagramPacket>() {
                    @Override
                    protected void channelRead0(ChannelHandlerContext ctx, DomainDatagramPacket packet) {
                        messages.add(packet.content().toString(StandardCharsets.UTF_8));
                    }
                })
                .bind(new DomainSocketAddress(nettyPath))
                .sync()
                .channel();
    }

    /** A socket file at {@code path}; NOTIFY_SOCKET is the path. */
    public static NotifySocket at(Path path) throws InterruptedException {
        return new NotifySocket(path.toString(), path.toString());
    }

    /** The next datagram, or an assertion failure after a minute. */
    public String next() throws InterruptedException {
        String message = messages.poll(WAIT_SECONDS, TimeUnit.SECONDS);
        if (message == null) {
            throw new AssertionError("no notification on " + address);
        }
        return message;
    }

    /** The next datagram that contains {@code fragment}, skipping others (e.g. watchdog pings). */
    public String nextWith(String fragment) throws InterruptedException {
        for (; ; ) {
            String message = next();
            if (message.contains(fragment)) {
                return message;
            }
        }
    }

    @Override
    public void close() {
        channel.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
