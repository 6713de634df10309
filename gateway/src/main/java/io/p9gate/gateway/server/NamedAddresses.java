package io.p9gate.gateway.server;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SequencedMap;
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
 * certificate make the gateway forget every other VM's address, server.NamedAddressChurnAttackTest). Each address
 * keeps the identity its latest handshake established, so that a reload revoking that certificate (a CRL, a pin) while
 * the VM stays forgets it (identity.RevokedNamedAddressAttackTest).
 */
final class NamedAddresses {
    /** Per VM: a VM connects from a few addresses (one, or a guest's IPv6 privacy addresses as they change). */
    static final int ADDRESSES = 64;

    /** Per VM, its addresses least recently named first, each with its latest naming's identity (null: none kept). */
    private final Map<String, SequencedMap<InetAddress, ConnectionIdentity>> byVm = new HashMap<>();
    /** How many VMs' tables hold each address, for the look-up at every displacement. */
    private final Map<InetAddress, Integer> vmsNaming = new HashMap<>();

    /** A handshake from {@code address} named {@code vm}, establishing {@code identity} (null: none kept). */
    synchronized void named(String vm, InetAddress address, ConnectionIdentity identity) {
        SequencedMap<InetAddress, ConnectionIdentity> its = byVm.computeIfAbsent(vm, v -> new LinkedHashMap<>());
        boolean again = its.containsKey(address);
        its.putLast(address, identity); // the most recent
        if (again) {
            return;
        }
        vmsNaming.merge(address, 1, Integer::sum);
        if (its.size() > ADDRESSES) {
            unname(its.pollFirstEntry().getKey());
        }
    }

    /** Whether a handshake from {@code address} has named a VM (and is not forgotten). */
    synchronized boolean contains(InetAddress address) {
        return vmsNaming.containsKey(address);
    }

    /**
     * Forgets the addresses of the VMs {@code which} names: after a reload that removed them, their addresses rank as
     * any other until their handshakes name them again.
     */
    synchronized void forget(Predicate<String> which) {
        for (Iterator<Map.Entry<String, SequencedMap<InetAddress, ConnectionIdentity>>> it =
                        byVm.entrySet().iterator();
                it.hasNext(); ) {
            Map.Entry<String, SequencedMap<InetAddress, ConnectionIdentity>> vm = it.next();
            if (which.test(vm.getKey())) {
                vm.getValue().keySet().forEach(this::unname);
                it.remove();
            }
        }
    }

    /**
     * Forgets each address whose latest naming {@code holds} no longer accepts: after a reload that revoked its
     * certificate or changed a pin while the VM stays. Decided outside the lock (a chain's check may read a CRL) so
     * that the accept loop's look-ups do not wait; an address named again meanwhile keeps that naming.
     */
    void forgetNoLongerHeld(Predicate<ConnectionIdentity> holds) {
        List<Naming> kept = new ArrayList<>();
        synchronized (this) {
            byVm.forEach((vm, its) -> its.forEach((address, identity) -> {
                if (identity != null) {
                    kept.add(new Naming(vm, address, identity));
                }
            }));
        }
        for (Naming naming : kept) {
            if (!holds.test(naming.identity())) {
                takeBack(naming.vm(), naming.address(), naming.identity());
            }
        }
    }

    /** Forgets that {@code address} named {@code vm}, if its latest naming is still {@code identity}'s. */
    synchronized void takeBack(String vm, InetAddress address, ConnectionIdentity identity) {
        SequencedMap<InetAddress, ConnectionIdentity> its = byVm.get(vm);
        if (its != null && its.containsKey(address) && its.get(address) == identity) {
            its.remove(address);
            unname(address);
            if (its.isEmpty()) {
                byVm.remove(vm);
            }
        }
    }

    private void unname(InetAddress address) {
        vmsNaming.computeIfPresent(address, (a, n) -> n == 1 ? null : n - 1);
    }

    private record Naming(String vm, InetAddress address, ConnectionIdentity identity) {}
}
