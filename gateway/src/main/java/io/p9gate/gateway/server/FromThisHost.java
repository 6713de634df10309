package io.p9gate.gateway.server;

import java.io.IOException;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.function.LongSupplier;

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

    /**
     * Asked on the accept thread every listener shares (IdentifiedPlaceGate), where a local process connecting in a
     * loop made each accept list every interface: the list is kept ({@link ListedInterfaces}).
     */
    static final FromThisHost SYSTEM =
            new FromThisHost(new ListedInterfaces(ListedInterfaces::system, System::nanoTime));

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

    /**
     * This host's addresses and the interface holding each, listed at most every {@link #REFRESH_NANOS}: an address
     * found there is refused without another listing. An address the kernel takes as local (it binds) but not listed
     * (added since) lists them again, at most once a second: where {@code ip_nonlocal_bind} is 1 every guest's
     * address binds, and each of its accepts must not list them. So an address added less than a second after a
     * listing may be missed for that second; its owner (root) could bind anything anyway.
     */
    static final class ListedInterfaces implements Interfaces {
        static final long REFRESH_NANOS = 10_000_000_000L;
        static final long MISS_REFRESH_NANOS = 1_000_000_000L;

        /** Lists the interfaces' addresses. */
        interface Lister {
            Map<InetAddress, String> list() throws SocketException;
        }

        private record Listed(Map<InetAddress, String> holders, long at) {}

        private final Lister lister;
        private final LongSupplier clock;
        private volatile Listed listed;

        ListedInterfaces(Lister lister, LongSupplier clock) {
            this.lister = lister;
            this.clock = clock;
        }

        @Override
        public String holding(InetAddress address) throws SocketException {
            long now = clock.getAsLong();
            Listed known = listed;
            if (known == null || now - known.at() >= REFRESH_NANOS) {
                known = list(now);
            }
            String own = known.holders().get(address);
            if (own == null && now - known.at() >= MISS_REFRESH_NANOS) {
                own = list(now).holders().get(address);
            }
            return own;
        }

        private Listed list(long now) throws SocketException {
            Listed fresh = new Listed(Map.copyOf(lister.list()), now);
            listed = fresh;
            return fresh;
        }

        /** Every address of every interface of this host, as the kernel lists them now. */
        static Map<InetAddress, String> system() throws SocketException {
            Map<InetAddress, String> holders = new HashMap<>();
            for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                for (InetAddress address : Collections.list(nic.getInetAddresses())) {
                    holders.putIfAbsent(address, nic.getName());
                }
            }
            return holders;
        }
    }
}
