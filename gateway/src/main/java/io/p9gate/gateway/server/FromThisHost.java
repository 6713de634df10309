package io.p9gate.gateway.server;

import java.io.IOException;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;

/**
 * Whether a TCP peer is a process on this host. A listener bound to a VM's interface (SO_BINDTODEVICE) also accepts
 * connections that any local process makes to an address of that interface: the kernel delivers them through the
 * loopback path but matches them as arriving on the interface that holds the address. Their source is always one of
 * this host's own addresses, which a packet from a guest cannot carry (the kernel drops an arriving packet whose
 * source is a local address as a martian).
 *
 * <p>This is asked on every accept of such a listener, so the kernel is asked first, at a cost that does not grow
 * with the number of interfaces: a bind to the peer's address that fails with EADDRNOTAVAIL means no address of this
 * host is the peer's now (including one added since the start). Only an address it binds (a local one, or any address
 * where {@code ip_nonlocal_bind} is 1) or cannot tell about is looked up in the list of interfaces, which also names the
 * one holding it.
 */
final class FromThisHost {
    /** Which interface holds an address: lists every interface and its addresses, so it costs more with each. */
    interface Interfaces {
        /** The name of the interface that holds {@code address}, or null if none does. */
        String holding(InetAddress address) throws SocketException;
    }

    /** This host's interfaces, as the kernel lists them now. */
    static final Interfaces SYSTEM_INTERFACES = address -> {
        NetworkInterface own = NetworkInterface.getByInetAddress(address);
        return own == null ? null : own.getName();
    };

    static final FromThisHost SYSTEM = new FromThisHost(SYSTEM_INTERFACES);

    private final Interfaces interfaces;

    FromThisHost(Interfaces interfaces) {
        this.interfaces = interfaces;
    }

    /** Why {@code peer} is taken for a process of this host, or null if it is not one of the host's addresses. */
    String reason(InetAddress peer) {
        if (peer.isLoopbackAddress() || peer.isAnyLocalAddress()) {
            return "the peer " + peer.getHostAddress() + " is a loopback address of this host";
        }
        if (surelyNotLocal(peer)) {
            return null;
        }
        try {
            String own = interfaces.holding(peer);
            return own == null
                    ? null
                    : "the peer " + peer.getHostAddress() + " is this host's own address (on " + own + ")";
        } catch (SocketException e) {
            return "cannot tell whether the peer " + peer.getHostAddress() + " is this host: " + e.getMessage();
        }
    }

    /** Whether the kernel refuses a bind to {@code peer} as an address that is not local (EADDRNOTAVAIL). */
    private static boolean surelyNotLocal(InetAddress peer) {
        try {
            return SocketOptions.bindErrno(peer) == SocketOptions.EADDRNOTAVAIL;
        } catch (IOException e) {
            return false; // the list of interfaces decides
        }
    }
}
