package io.p9gate.gateway.server;

import java.net.InetAddress;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SequencedMap;
import java.util.SortedSet;
import java.util.TreeSet;
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
 * the VM stays forgets it (identity.RevokedNamedAddressAttackTest). Its chain is the client's choice (the TLS library
 * takes up to 8 certificates in 32 KiB, and a {@code sha256:} pin checks the leaf alone) and outlives its connection,
 * so a VM's namings keep at most {@link #CHAIN_BYTES} of chains together, its least recently named forgotten first:
 * 64 addresses with padded chains held 2 MB per VM (server.NamedAddressChainMemoryAttackTest).
 */
final class NamedAddresses {
    /** Per VM: a VM connects from a few addresses (one, or a guest's IPv6 privacy addresses as they change). */
    static final int ADDRESSES = 64;

    /**
     * Per VM, the DER of the chains its namings keep: 64 usual chains (a leaf and an intermediate, 1-2 KB each) fit;
     * a VM whose chains fill the TLS library's 32 KiB keeps its 8 latest addresses.
     */
    static final long CHAIN_BYTES = 256 * 1024;

    /** Per VM, its addresses and what their namings keep. */
    private final Map<String, Table> byVm = new HashMap<>();
    /** How many VMs' tables hold each address, for the look-up at every displacement. */
    private final Map<InetAddress, Integer> vmsNaming = new HashMap<>();

    /** A naming's identity (null: none kept) and the bytes of the chain it keeps. */
    private record Held(ConnectionIdentity identity, long chainBytes) {}

    /** One VM's addresses, least recently named first, and the bytes of their namings' chains together. */
    private static final class Table {
        final SequencedMap<InetAddress, Held> addresses = new LinkedHashMap<>();
        long chainBytes;
    }

    /** A handshake from {@code address} named {@code vm}, establishing {@code identity} (null: none kept). */
    synchronized void named(String vm, InetAddress address, ConnectionIdentity identity) {
        Table its = byVm.computeIfAbsent(vm, v -> new Table());
        Held now = new Held(identity, chainBytes(identity));
        Held before = its.addresses.putLast(address, now); // the most recent
        its.chainBytes += now.chainBytes() - (before == null ? 0 : before.chainBytes());
        if (before == null) {
            vmsNaming.merge(address, 1, Integer::sum);
        }
        while (its.addresses.size() > ADDRESSES || (its.chainBytes > CHAIN_BYTES && its.addresses.size() > 1)) {
            Map.Entry<InetAddress, Held> oldest = its.addresses.pollFirstEntry();
            its.chainBytes -= oldest.getValue().chainBytes();
            unname(oldest.getKey());
        }
    }

    /** Whether a handshake from {@code address} has named a VM (and is not forgotten). */
    synchronized boolean contains(InetAddress address) {
        return vmsNaming.containsKey(address);
    }

    /**
     * The VMs whose handshakes from {@code address} named them (and are not forgotten), sorted; none if no VM's did.
     * VMs sharing an address are each charged its connections: one picked, whichever the table listed first, had the
     * other's handshakes compete for its places (UnidentifiedPeersTest, an address two VMs named).
     */
    synchronized SortedSet<String> vmsOf(InetAddress address) {
        SortedSet<String> vms = new TreeSet<>();
        if (vmsNaming.containsKey(address)) {
            byVm.forEach((vm, its) -> {
                if (its.addresses.containsKey(address)) {
                    vms.add(vm);
                }
            });
        }
        return Collections.unmodifiableSortedSet(vms);
    }

    /**
     * Forgets the addresses of the VMs {@code which} names: after a reload that removed them, their addresses rank as
     * any other until their handshakes name them again.
     */
    synchronized void forget(Predicate<String> which) {
        for (Iterator<Map.Entry<String, Table>> it = byVm.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<String, Table> vm = it.next();
            if (which.test(vm.getKey())) {
                vm.getValue().addresses.keySet().forEach(this::unname);
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
            byVm.forEach((vm, its) -> its.addresses.forEach((address, held) -> {
                if (held.identity() != null) {
                    kept.add(new Naming(vm, address, held.identity()));
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
        Table its = byVm.get(vm);
        Held held = its == null ? null : its.addresses.get(address);
        if (held != null && held.identity() == identity) {
            its.addresses.remove(address);
            its.chainBytes -= held.chainBytes();
            unname(address);
            if (its.addresses.isEmpty()) {
                byVm.remove(vm);
            }
        }
    }

    private void unname(InetAddress address) {
        vmsNaming.computeIfPresent(address, (a, n) -> n == 1 ? null : n - 1);
    }

    /** The DER bytes of the chain {@code identity} keeps: what the parsed certificates hold at least. */
    private static long chainBytes(ConnectionIdentity identity) {
        if (identity == null || !(identity.facts() instanceof PeerFacts.Tls tls)) {
            return 0;
        }
        long bytes = 0;
        for (X509Certificate c : tls.chain()) {
            try {
                bytes += c.getEncoded().length;
            } catch (CertificateEncodingException e) {
                bytes += CHAIN_BYTES; // parsed from its encoding by the TLS library: counted as the most there is
            }
        }
        return bytes;
    }

    private record Naming(String vm, InetAddress address, ConnectionIdentity identity) {}
}
