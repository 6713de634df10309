package io.p9gate.gateway.server;

import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.nio.file.Files;
import java.nio.file.Path;
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
 * one holding it; one that binds (or fails EADDRINUSE, which the kernel answers only past its address check) where
 * {@code ip_nonlocal_bind} is 0 is local even if the list, kept for a while, does not have it yet. Where the bind
 * proves nothing ({@code ip_nonlocal_bind} 1, or it could not be asked) the kernel's route to the peer decides what
 * the list lacks: to an address of this host it is a local route; a peer the kernel cannot be asked about is refused.
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

    /** The errno of a bind to an address: the kernel's answer, or a test's. */
    interface BindProbe {
        /** 0 if a socket binds to {@code address}, else the errno. */
        int errno(InetAddress address) throws IOException;
    }

    private final Interfaces interfaces;
    private final NonLocalBind nonLocalBind;
    private final BindProbe bindProbe;
    private final RouteProbe routeProbe;

    /** Whether the kernel's route to an address is local (the address is this host's): its answer, or a test's. */
    interface RouteProbe {
        /** Whether the route to {@code address} is a local one; false if the kernel has no route there. */
        boolean local(InetAddress address) throws IOException;
    }

    FromThisHost(Interfaces interfaces) {
        this(interfaces, NonLocalBind.system(System::nanoTime));
    }

    FromThisHost(Interfaces interfaces, NonLocalBind nonLocalBind) {
        this(interfaces, nonLocalBind, SocketOptions::bindErrno);
    }

    FromThisHost(Interfaces interfaces, NonLocalBind nonLocalBind, BindProbe bindProbe) {
        this(interfaces, nonLocalBind, bindProbe, SocketOptions::routeIsLocal);
    }

    FromThisHost(Interfaces interfaces, NonLocalBind nonLocalBind, BindProbe bindProbe, RouteProbe routeProbe) {
        this.interfaces = interfaces;
        this.nonLocalBind = nonLocalBind;
        this.bindProbe = bindProbe;
        this.routeProbe = routeProbe;
    }

    /** Why {@code peer} is taken for a process of this host, or null if it is not one of the host's addresses. */
    String reason(InetAddress peer) {
        if (peer.isLoopbackAddress() || peer.isAnyLocalAddress()) {
            return "the peer " + peer.getHostAddress() + " is a loopback address of this host";
        }
        int bind = bindErrno(peer);
        if (bind == SocketOptions.EADDRNOTAVAIL) {
            return null;
        }
        try {
            String own = interfaces.holding(peer);
            if (own != null) {
                return "the peer " + peer.getHostAddress() + " is this host's own address (on " + own + ")";
            }
        } catch (SocketException e) {
            return "cannot tell whether the peer " + peer.getHostAddress() + " is this host: " + e.getMessage();
        }
        // Not in the kept list (added since it was listed), yet bound: where only local addresses bind, that is proof.
        // EADDRINUSE too: the kernel looks for a free port only for an address it passed (a local user holding every
        // ephemeral port would otherwise reopen the window the list leaves).
        boolean binds = bind == 0 || bind == SocketOptions.EADDRINUSE;
        if (binds && !nonLocalBind.allows(peer)) {
            return "the peer " + peer.getHostAddress() + " is this host's own address (the kernel binds it)";
        }
        // Where every address binds, the kept list missed one added less than a second after its listing: the route
        // is asked on each such accept instead, and a peer it cannot tell about is not taken for the VM.
        return routedToItself(peer);
    }

    /**
     * Why {@code peer} is this host's own by the kernel's route to it (a local one), or null if it is not. The route's
     * type, not its source: IPv4 sends to a secondary address from the interface's primary (FromThisHostRouteTest).
     */
    private String routedToItself(InetAddress peer) {
        try {
            return routeProbe.local(peer)
                    ? "the peer " + peer.getHostAddress() + " is this host's own address (the kernel routes to it"
                            + " locally)"
                    : null;
        } catch (IOException e) {
            return "cannot tell whether the peer " + peer.getHostAddress() + " is this host: " + e.getMessage();
        }
    }

    /**
     * The errno of a bind to {@code peer} (0: it binds; EADDRINUSE: it is bindable, its ephemeral ports all taken),
     * or -1 where it cannot be asked: the list decides.
     */
    private int bindErrno(InetAddress peer) {
        try {
            return bindProbe.errno(peer);
        } catch (IOException e) {
            return -1;
        }
    }

    /**
     * Whether the kernel binds addresses the host does not hold ({@code ip_nonlocal_bind} of the address's family):
     * then a bind proves nothing. Read at most once a second (MISS_REFRESH_NANOS), only for an address that binds
     * but is not in the kept list: where it is 1, every guest's accept.
     */
    interface NonLocalBind {
        boolean allows(InetAddress address);

        /** /proc/sys/net/ipv4/ip_nonlocal_bind or ipv6's, as this process's network namespace has them. */
        static NonLocalBind system(LongSupplier clock) {
            return new NonLocalBind() {
                private volatile long readAt = Long.MIN_VALUE;
                private volatile boolean v4;
                private volatile boolean v6;

                @Override
                public boolean allows(InetAddress address) {
                    long now = clock.getAsLong();
                    if (readAt == Long.MIN_VALUE || now - readAt >= ListedInterfaces.MISS_REFRESH_NANOS) {
                        v4 = on("/proc/sys/net/ipv4/ip_nonlocal_bind");
                        v6 = on("/proc/sys/net/ipv6/ip_nonlocal_bind");
                        readAt = now;
                    }
                    return address instanceof Inet6Address ? v6 : v4;
                }

                /** Unreadable: taken as on, so a bind proves nothing and the list decides, as before. */
                private static boolean on(String sysctl) {
                    try {
                        return !Files.readString(Path.of(sysctl)).strip().equals("0");
                    } catch (IOException e) {
                        return true;
                    }
                }
            };
        }
    }

    /**
     * This host's addresses and the interface holding each, listed at most every {@link #REFRESH_NANOS}: an address
     * found there is refused without another listing. An address the kernel takes as local (it binds) but not listed
     * (added since) lists them again, at most once a second: where {@code ip_nonlocal_bind} is 1 every guest's
     * address binds, and each of its accepts must not list them. Where it is 0 the bind itself proves such an address
     * local ({@link FromThisHost#reason}); where it is 1 an address added less than a second after a listing, missed
     * here for that second, is told by the kernel's route to it.
     */
    static final class ListedInterfaces implements Interfaces {
        static final long REFRESH_NANOS = 10_000_000_000L;
        static final long MISS_REFRESH_NANOS = 1_000_000_000L;

        /** Lists the interfaces' addresses. */
        interface Lister {
            Map<Held, String> list() throws SocketException;
        }

        /**
         * An address as the kernel tells them apart: an IPv6 link-local one only on its link (the interface index; an
         * accepted peer's scope id is the interface it came in on). InetAddress.equals ignores the scope, so a guest's
         * fe80::1 behind tap3 was taken for the host's fe80::1 on eth0 and refused (where ip_nonlocal_bind is 1, its
         * bind proves nothing and the list decides).
         */
        record Held(InetAddress address, int scope) {
            static Held of(InetAddress address) {
                return new Held(
                        address, address instanceof Inet6Address v6 && v6.isLinkLocalAddress() ? v6.getScopeId() : 0);
            }

            static Held on(InetAddress address, NetworkInterface nic) {
                return new Held(
                        address, address instanceof Inet6Address v6 && v6.isLinkLocalAddress() ? nic.getIndex() : 0);
            }
        }

        private record Listed(Map<Held, String> holders, long at) {}

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
            Held held = Held.of(address);
            String own = known.holders().get(held);
            if (own == null && now - known.at() >= MISS_REFRESH_NANOS) {
                own = list(now).holders().get(held);
            }
            return own;
        }

        private Listed list(long now) throws SocketException {
            Listed fresh = new Listed(Map.copyOf(lister.list()), now);
            listed = fresh;
            return fresh;
        }

        /** Every address of every interface of this host, as the kernel lists them now. */
        static Map<Held, String> system() throws SocketException {
            Map<Held, String> holders = new HashMap<>();
            for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                for (InetAddress address : Collections.list(nic.getInetAddresses())) {
                    holders.putIfAbsent(Held.on(address, nic), nic.getName());
                }
            }
            return holders;
        }
    }
}
