package io.p9gate.gateway.server;

import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;

/**
 * Whether a TCP peer is a process on this host. A listener bound to a VM's interface (SO_BINDTODEVICE) also accepts
 * connections that any local process makes to an address of that interface: the kernel delivers them through the
 * loopback path but matches them as arriving on the interface that holds the address. Their source is always one of
 * this host's own addresses, which a packet from a guest cannot carry (the kernel drops an arriving packet whose
 * source is a local address as a martian).
 */
final class FromThisHost {
    private FromThisHost() {}

    /** Why {@code peer} is taken for a process of this host, or null if it is not one of the host's addresses. */
    static String reason(InetAddress peer) {
        if (peer.isLoopbackAddress() || peer.isAnyLocalAddress()) {
            return "the peer " + peer.getHostAddress() + " is a loopback address of this host";
        }
        try {
            NetworkInterface own = NetworkInterface.getByInetAddress(peer);
            return own == null
                    ? null
                    : "the peer " + peer.getHostAddress() + " is this host's own address (on " + own.getName() + ")";
        } catch (SocketException e) {
            return "cannot tell whether the peer " + peer.getHostAddress() + " is this host: " + e.getMessage();
        }
    }
}
