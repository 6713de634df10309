package io.p9gate.gateway.server;

import java.net.InetAddress;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.SequencedSet;
import java.util.function.Predicate;

/**
 * The source addresses from which a {@code tls:} listener's handshakes have named a VM (R-ROB-2), one table per
 * listener: a connection from one of them is displaced only after every connection from the others
 * ({@link UnidentifiedPeers}). Before its handshake a connection is only its address; a peer without a certificate
 * renewing connections from fresh addresses (any host user has the loopback's 127/8) took a VM's place in the
 * instant before its ClientHello was read, or by outranking it with stalled answered handshakes
 * (identity.SilentConnectionRenewalAttackTest). Only a handshake that names a VM adds an address, so such a peer
 * gains this rank only by binding a VM's own address, where it competes with that VM alone (as VMs sharing an
 * address always do). Kept per VM, at most {@link #ADDRESSES} each, its least recently named forgotten first: a VM
 * handshaking from ever more addresses forgets its own, never another VM's (one table for all let a hostile VM's
 * certificate make the gateway forget every other VM's address, server.NamedAddressChurnAttackTest).
 */
final class NamedAddresses {
    /** Per VM: a VM connects from a few addresses (one, or a guest's IPv6 privacy addresses as they change). */
    static final int ADDRESSES = 64;

    private final Map<String, SequencedSet<InetAddress>> byVm = new HashMap<>();
    /** How many VMs' tables hold each address, for the look-up at every displacement. */
    private final Map<InetAddress, Integer> vmsNaming = new HashMap<>();

    /** A handshake from {@code address} named {@code vm}. */
    synchronized void named(String vm, InetAddress address) {
        SequencedSet<InetAddress> its = byVm.computeIfAbsent(vm, v -> new LinkedHashSet<>());
        if (its.remove(address)) {
            its.addLast(address); // named again: the most recent
            return;
        }
        its.addLast(address);
        vmsNaming.merge(address, 1, Integer::sum);
        if (its.size() > ADDRESSES) {
            unname(its.removeFirst());
        }
    }

    /** Whether a handshake from {@code address} has named a VM (and is not forgotten). */
    synchronized boolean contains(InetAddress address) {
        return vmsNaming.containsKey(address);
    }

    /**
     * Forgets the addresses of the VMs {@code which} names: after a reload that removed them or changed what
     * identifies them, their addresses rank as any other until their handshakes name them again.
     */
    synchronized void forget(Predicate<String> which) {
        for (Iterator<Map.Entry<String, SequencedSet<InetAddress>>> it =
                        byVm.entrySet().iterator();
                it.hasNext(); ) {
            Map.Entry<String, SequencedSet<InetAddress>> vm = it.next();
            if (which.test(vm.getKey())) {
                vm.getValue().forEach(this::unname);
                it.remove();
            }
        }
    }

    private void unname(InetAddress address) {
        vmsNaming.computeIfPresent(address, (a, n) -> n == 1 ? null : n - 1);
    }
}
