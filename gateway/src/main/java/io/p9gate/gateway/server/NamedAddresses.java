package io.p9gate.gateway.server;

import java.net.InetAddress;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The source addresses from which a {@code tls:} listener's handshakes have named a VM (R-ROB-2), one table per
 * listener: a connection from one of them is displaced only after every connection from the others
 * ({@link UnidentifiedPeers}). Before its handshake a connection is only its address; a peer without a certificate
 * renewing connections from fresh addresses (any host user has the loopback's 127/8) took a VM's place in the
 * instant before its ClientHello was read, or by outranking it with stalled answered handshakes
 * (identity.SilentConnectionRenewalAttackTest). Only a handshake that names a VM adds an address, so such a peer
 * gains this rank only by binding a VM's own address, where it competes with that VM alone (as VMs sharing an
 * address always do). At most {@link #ADDRESSES}, the least recently named forgotten first: only a VM's
 * certificate can make the table churn.
 */
final class NamedAddresses {
    static final int ADDRESSES = 4096;

    private final Map<InetAddress, Boolean> named = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<InetAddress, Boolean> eldest) {
            return size() > ADDRESSES;
        }
    };

    /** A handshake from {@code address} named a VM. */
    synchronized void named(InetAddress address) {
        named.put(address, Boolean.TRUE);
    }

    /** Whether a handshake from {@code address} has named a VM (and is not forgotten). */
    synchronized boolean contains(InetAddress address) {
        return named.containsKey(address);
    }
}
