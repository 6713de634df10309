package io.p9gate.gateway.server;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.p9gate.gateway.net.Transports;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;

/** Plain TCP; with a device, the listening socket is bound to it (SO_BINDTODEVICE) before bind(2). */
final class TcpBinder implements ListenerBinder.KernelNamed {
    static final int KEEPALIVE_IDLE_SECONDS = 60;
    static final int KEEPALIVE_INTERVAL_SECONDS = 10;
    static final int KEEPALIVE_PROBES = 6;

    private final ListenSpec.Tcp spec;

    TcpBinder(ListenSpec.Tcp spec) {
        this.spec = spec;
    }

    @Override
    public void configure(ServerBootstrap bootstrap) throws IOException {
        if (spec.device() == null) {
            bootstrap.channel(Transports.tcpServer());
        } else {
            if (!Transports.nativeAvailable()) {
                throw new IOException("cannot listen on " + spec.describe() + ": binding to a device needs Netty's "
                        + "native epoll transport");
            }
            bootstrap.channelFactory(() -> {
                EpollServerSocketChannel channel = new EpollServerSocketChannel();
                try {
                    SocketOptions.bindToDevice(channel.fd().intValue(), spec.device());
                } catch (IOException e) {
                    channel.unsafe().closeForcibly();
                    throw new io.netty.channel.ChannelException(e.getMessage(), e);
                }
                return channel;
            });
        }
        bootstrap
                .option(ChannelOption.SO_REUSEADDR, true) // restart while old connections linger in TIME_WAIT
                .childOption(ChannelOption.TCP_NODELAY, true)
                // The gateway never writes unasked: without keepalive a connection whose VM vanished without a FIN
                // (a reset VM, a removed tap) stays for ever, and keeps one of the VM's connections (R-ROB-2).
                .childOption(ChannelOption.SO_KEEPALIVE, true);
        if (Transports.nativeAvailable()) {
            // Found dead after about 2 minutes of silence, not the kernel's default of 2 hours and 11 minutes.
            bootstrap
                    .childOption(EpollChannelOption.TCP_KEEPIDLE, KEEPALIVE_IDLE_SECONDS)
                    .childOption(EpollChannelOption.TCP_KEEPINTVL, KEEPALIVE_INTERVAL_SECONDS)
                    .childOption(EpollChannelOption.TCP_KEEPCNT, KEEPALIVE_PROBES);
        }
    }

    @Override
    public SocketAddress address() {
        return new InetSocketAddress(spec.host(), spec.port());
    }

    @Override
    public SocketAddress boundAddress(Channel server) {
        return server.localAddress();
    }

    @Override
    public ListenSpec.Tcp spec() {
        return spec;
    }

    @Override
    public Decided decide(Channel connection, PeerIdentifier identifier) {
        InetSocketAddress remote = (InetSocketAddress) connection.remoteAddress();
        PeerFacts peer = new PeerFacts.Tcp(remote);
        String local = spec.device() == null ? null : FromThisHost.SYSTEM.reason(remote.getAddress());
        if (local != null) {
            // The interface is the identity only of what arrives through it: a local process is not the VM.
            PeerVerdict.Refused refused = new PeerVerdict.Refused(
                    "", PeerIdentifier.RULE_DEVICE, local + ", not a guest behind " + spec.device());
            return ListenerBinder.refusedUnread(spec, identifier, peer.describe(), refused);
        }
        return new Decided(peer, identifier.identify(spec, peer));
    }
}
