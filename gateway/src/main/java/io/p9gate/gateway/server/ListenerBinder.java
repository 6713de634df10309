package io.p9gate.gateway.server;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelException;
import java.io.IOException;
import java.net.SocketAddress;
import java.util.function.Consumer;

/**
 * What differs between listener kinds: how the server socket is made and bound, what is done to it once bound
 * (the Unix socket file's owner and mode), and how a new connection is identified before its 9P session starts
 * (R-DEP-1). The gateway does the rest, the same for every kind.
 */
interface ListenerBinder {
    /** The peer of a refusal whose transport could not read who it is. */
    String UNREAD_PEER = "unknown";

    /** Sets the channel type (or factory), its options and those of the connections. */
    void configure(ServerBootstrap bootstrap) throws IOException;

    /** Where to bind. */
    SocketAddress address();

    /** After a successful bind: e.g. the socket file's owner, group and mode; throwing stops the start. */
    default void bound(Channel server) throws IOException {}

    /** The address to report (the actual port for port 0). */
    SocketAddress boundAddress(Channel server);

    /** Just before the server channel is closed, which may unlink the path it was bound at by name. */
    default void closing() {}

    /** At close, after the server channel is closed (e.g. removes the socket file). */
    default void unbound() {}

    /**
     * Identifies a new connection: calls {@code accepted} with its VM once the transport says who it is (at once,
     * or after a TLS handshake), or closes the connection when the identifier refuses it.
     */
    void identify(Channel connection, PeerIdentifier identifier, Consumer<String> accepted);

    static ListenerBinder of(ListenSpec spec) {
        return switch (spec) {
            case ListenSpec.Tcp tcp -> new TcpBinder(tcp);
            case ListenSpec.Unix unix -> new UnixBinder(unix);
            case ListenSpec.Tls tls -> new TlsBinder(tls);
            case ListenSpec.Vsock vsock -> new VsockBinder(vsock);
        };
    }

    /** Reads what the kernel knows of a connection's peer (its credentials, its CID). */
    @FunctionalInterface
    interface PeerReader {
        PeerFacts read() throws IOException;
    }

    /**
     * What the transport established of a connection's peer (null when it could not be read) and the verdict on it;
     * a refusal is recorded already.
     */
    record Decided(PeerFacts peer, PeerVerdict verdict) {}

    /**
     * A listener kind whose kernel names a connection's peer as soon as it is accepted (its credentials, its CID, its
     * address): decided on the accept thread where several VMs share the listener ({@link IdentifiedPlaceGate}), so
     * that the VM's connection place is taken before any event loop holds the connection.
     */
    interface KernelNamed extends ListenerBinder {
        ListenSpec spec();

        /** Reads the peer and asks {@code identifier}; quick and synchronous, callable before any loop has it. */
        Decided decide(Channel connection, PeerIdentifier identifier);

        /** As decided at accept, if it was, else now. */
        @Override
        default void identify(Channel connection, PeerIdentifier identifier, Consumer<String> accepted) {
            Decided decided = IdentifiedPlaceGate.decidedAtAccept(connection);
            if (decided == null) {
                decided = decide(connection, identifier);
            }
            settle(connection, spec(), decided.peer(), decided.verdict(), accepted);
        }
    }

    /**
     * Decides a connection by the facts {@code reader} reads from its socket. Facts the kernel will not give
     * ({@code what}: "credentials", "CID") refuse it with {@code rule}, recorded as any refusal at connect.
     */
    static Decided decideBy(ListenSpec spec, PeerIdentifier identifier, PeerReader reader, String rule, String what) {
        PeerFacts peer;
        try {
            peer = reader.read();
        } catch (IOException | ChannelException e) { // Netty reports a failed getsockopt(2) unchecked
            return refusedUnread(
                    spec,
                    identifier,
                    UNREAD_PEER,
                    new PeerVerdict.Refused("", rule, "cannot read the peer's " + what + ": " + e.getMessage()));
        }
        return new Decided(peer, identifier.identify(spec, peer));
    }

    /**
     * A connection the transport refused before the identifier could decide it (facts it could not read, a local
     * process on a device-bound listener): recorded through {@code identifier} as the identifier's own refusals are.
     */
    static Decided refusedUnread(ListenSpec spec, PeerIdentifier identifier, String peer, PeerVerdict.Refused refused) {
        identifier.refusedByTransport(spec, peer, refused);
        return new Decided(null, refused);
    }

    /**
     * The common end of a synchronous identification: accepted (the {@code peer} facts kept with the connection, for a
     * reload to decide again; null when there are none), or refused and closed (the refusal is logged).
     */
    static void settle(
            Channel connection, ListenSpec spec, PeerFacts peer, PeerVerdict verdict, Consumer<String> accepted) {
        switch (verdict) {
            case PeerVerdict.Accepted a -> {
                if (peer != null) {
                    ConnectionIdentity.remember(connection, spec, peer, a.vm());
                }
                accepted.accept(a.vm());
            }
            case PeerVerdict.Refused r -> {
                RefusedPeers.log(spec, r);
                connection.close();
            }
        }
    }
}
