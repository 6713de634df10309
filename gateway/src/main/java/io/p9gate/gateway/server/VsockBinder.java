package io.p9gate.gateway.server;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelException;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.epoll.LinuxSocket;
import io.netty.channel.epoll.VSockAddress;
import io.p9gate.gateway.net.Transports;
import java.io.IOException;
import java.net.SocketAddress;

/**
 * vsock on a port of every local CID. Netty 4.2 has vsock sockets ({@link LinuxSocket#newVSockStream},
 * {@link VSockAddress}) but no channel type for them; a stream socket needs nothing of a channel but read, write
 * and accept, so the vsock socket is bound and listening before Netty gets it, as the descriptor of a
 * domain-socket server channel (whose children set no TCP options a vsock socket would refuse). The peer's CID,
 * which the hypervisor gives each guest, is read with getpeername(2).
 */
final class VsockBinder implements ListenerBinder.KernelNamed {
    private static final int BACKLOG = 128;
    private final ListenSpec.Vsock spec;
    private final Listening listening;
    private final Peers peers;

    /** Makes the listening socket: vsock's here; a test's stand-in listens where it can connect (no vsock loopback). */
    @FunctionalInterface
    interface Listening {
        LinuxSocket listen(int port) throws IOException;
    }

    /** Reads who a connection's peer is: its CID, by getpeername(2) here. */
    @FunctionalInterface
    interface Peers {
        PeerFacts.Vsock of(Channel connection) throws IOException;
    }

    VsockBinder(ListenSpec.Vsock spec) {
        this(spec, VsockBinder::listenOnEveryCid, VsockBinder::peerOf);
    }

    VsockBinder(ListenSpec.Vsock spec, Listening listening, Peers peers) {
        this.spec = spec;
        this.listening = listening;
        this.peers = peers;
    }

    private static LinuxSocket listenOnEveryCid(int port) throws IOException {
        LinuxSocket socket = LinuxSocket.newVSockStream();
        try {
            socket.bindVSock(new VSockAddress(VSockAddress.VMADDR_CID_ANY, port));
            socket.listen(BACKLOG);
            return socket;
        } catch (IOException e) {
            try {
                socket.close();
            } catch (IOException ignored) {
                // the bind error is the one to report
            }
            throw e;
        }
    }

    private static PeerFacts.Vsock peerOf(Channel connection) throws IOException {
        return SocketOptions.vsockPeer(
                ((EpollDomainSocketChannel) connection).fd().intValue());
    }

    @Override
    public void configure(ServerBootstrap bootstrap) throws IOException {
        if (!Transports.nativeAvailable()) {
            throw new IOException(
                    "cannot listen on " + spec.describe() + ": vsock needs Netty's native epoll transport");
        }
        bootstrap.channelFactory(() -> {
            LinuxSocket socket;
            try {
                socket = listening.listen(spec.port());
            } catch (IOException e) {
                throw new ChannelException("cannot listen on " + spec.describe() + ": " + e.getMessage(), e);
            }
            return new EpollServerDomainSocketChannel(socket.intValue(), true);
        });
    }

    /** The socket is bound by the channel factory already: the bootstrap's bind of an already bound channel is skipped. */
    @Override
    public SocketAddress address() {
        return null;
    }

    @Override
    public SocketAddress boundAddress(Channel server) {
        return new VSockAddress(VSockAddress.VMADDR_CID_ANY, spec.port());
    }

    @Override
    public ListenSpec.Vsock spec() {
        return spec;
    }

    @Override
    public Decided decide(Channel connection, PeerIdentifier identifier) {
        return ListenerBinder.decideBy(spec, identifier, () -> peers.of(connection), PeerIdentifier.RULE_VSOCK, "CID");
    }
}
