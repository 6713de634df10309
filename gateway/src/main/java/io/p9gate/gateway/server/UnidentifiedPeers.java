package io.p9gate.gateway.server;

import io.netty.channel.Channel;
import io.p9gate.gateway.budget.Allowance;
import java.net.InetAddress;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.function.LongSupplier;
import java.util.function.Predicate;

/**
 * The connections of a {@code tls:} listener whose handshake has not named their VM yet (R-ROB-2); one per listener.
 * Until then no VM's connection budget holds them, yet each holds a descriptor for up to the handshake timeout:
 * unbounded, a peer that connects and never handshakes could take every descriptor of the process, the reserve
 * included. So each one is also taken from the process-wide descriptor pool (which keeps the reserve), and one peer
 * address may hold no more of them on the listener than a VM may hold connections, so that it cannot take the
 * listener's handshakes from the VMs connecting from other addresses. VMs connecting from the same address cannot
 * be told apart before their handshake ends: they share that cap on a listener, not across listeners. A connection
 * from an address at its cap is not refused but takes the place of one of its own address's, chosen as below: a
 * loopback peer can bind any 127/8 address, a VM's own too, and refused, a few silent connections from there kept
 * the VM out (identity.TlsWindowAttackTest).
 *
 * <p>The listener as a whole holds no more than its VMs may hold connections together: a peer that cycles through
 * addresses (loopback's 127/8 for any host user, an IPv6 /64 for a guest) would otherwise take, a VM's connections
 * at a time, every descriptor of the pool, and with it every VM's opens and connections. When those places are
 * taken, or the pool is spent, a connection from an address holding fewer of them than another takes the place of
 * one of the connections of the addresses holding more, which is closed: first one whose peer has sent nothing yet
 * (a TLS client sends its ClientHello as soon as it connects, so a silent connection is one that stalls), then one
 * whose peer has sent bytes the gateway has not answered (a ClientHello cut short), and only then one the gateway
 * has answered (its ServerHello sent); within each, one of the address holding most, the oldest first (a handshake
 * that ends takes milliseconds, so what waits longest is what stalls). Ranked so, a peer connecting from fresh
 * addresses displaces a VM's handshake under way only with connections that each completed a ClientHello the
 * gateway answered, a key exchange each, instead of with a connect and a byte; the oldest silent one going first, a
 * VM's connection in the instant before its ClientHello arrives is taken only by as many connections as the
 * listener has places within that instant.
 */
final class UnidentifiedPeers {
    /** A connection awaiting its handshake, in the order the listener accepted them. */
    private record Waiting(Channel connection, long accepted) {
        /**
         * How far its handshake has come, the lowest displaced first: 0 silent, 1 the peer has sent part of a
         * ClientHello, 2 a whole one the gateway has not answered yet (its step queued for the handshake thread, or
         * a HelloRetryRequest sent), 3 answered. Read when a place is wanted, as it may change meanwhile.
         */
        int progress() {
            if (HandshakeCost.answered(connection)) {
                return 3;
            }
            if (HandshakeCost.peerSentHello(connection)) {
                return 2;
            }
            return HandshakeCost.peerSent(connection) ? 1 : 0;
        }
    }

    private final Map<InetAddress, ArrayDeque<Waiting>> held = new HashMap<>();
    private final Allowance pool;
    private final LongSupplier perAddress;
    private final LongSupplier perListener;
    private long total;
    private long accepted;

    /**
     * @param perAddress  the most one address may hold: read at each accept (limits change on reload)
     * @param perListener the most the listener may hold, all addresses together: read at each accept
     */
    UnidentifiedPeers(Allowance pool, LongSupplier perAddress, LongSupplier perListener) {
        this.pool = pool;
        this.perAddress = perAddress;
        this.perListener = perListener;
    }

    /** What {@link #tryTake} did: refused the connection, or took a place for it, maybe another's. */
    record Place(boolean taken, Channel displaced) {
        static final Place REFUSED = new Place(false, null);
    }

    /**
     * Takes a place for {@code connection} from {@code address}: a free one, else that of a connection of an address
     * holding more, else that of one of its own address's (an address at its cap, or holding as many as any other).
     * A place taken from another connection is in {@link Place#displaced}: the caller closes that one. Refused only
     * when the listener holds nothing to displace (the pool spent by other listeners).
     */
    synchronized Place tryTake(InetAddress address, Channel connection) {
        ArrayDeque<Waiting> mine = held.get(address);
        int holds = mine == null ? 0 : mine.size();
        if (holds < perAddress.getAsLong() && total < perListener.getAsLong() && pool.tryAcquire(1)) {
            add(address, connection);
            total++;
            return new Place(true, null);
        }
        // Refusing here instead let a peer that binds a VM's own source address (any host user can, on loopback)
        // keep the VM out with a few silent connections; displacing its own, it only competes with the VM's
        // connection as a peer from any other address does, by how far the handshakes have come.
        Waiting displaced =
                holds < perAddress.getAsLong() ? displaceable(a -> held.get(a).size() > holds) : null;
        if (displaced == null && holds > 0) {
            displaced = displaceable(address::equals);
        }
        if (displaced == null) {
            return Place.REFUSED;
        }
        add(address, connection); // in the displaced connection's place, with its descriptor of the pool
        return new Place(true, displaced.connection());
    }

    /** Gives back a place {@link #tryTake} took: the handshake named the VM, or the connection closed before. */
    synchronized void give(InetAddress address, Channel connection) {
        ArrayDeque<Waiting> waiting = held.get(address);
        if (waiting == null || !waiting.removeIf(w -> w.connection() == connection)) {
            return; // displaced: another connection holds its place now
        }
        if (waiting.isEmpty()) {
            held.remove(address);
        }
        total--;
        pool.release(1);
    }

    private void add(InetAddress address, Channel connection) {
        held.computeIfAbsent(address, a -> new ArrayDeque<>()).addLast(new Waiting(connection, accepted++));
    }

    /**
     * Removes and answers the connection whose place a newcomer takes, among the addresses {@code eligible}: the
     * least advanced handshake (silent, then sent bytes, then answered), then one of the address holding most, then
     * the oldest. Null if no eligible address holds any.
     */
    private Waiting displaceable(Predicate<InetAddress> eligible) {
        Waiting chosen = null;
        Map.Entry<InetAddress, ArrayDeque<Waiting>> its = null;
        for (Map.Entry<InetAddress, ArrayDeque<Waiting>> e : held.entrySet()) {
            if (!eligible.test(e.getKey())) {
                continue;
            }
            int size = e.getValue().size();
            for (Waiting candidate : e.getValue()) {
                if (chosen == null
                        || goesBefore(candidate, size, chosen, its.getValue().size())) {
                    chosen = candidate;
                    its = e;
                }
            }
        }
        if (chosen == null) {
            return null;
        }
        its.getValue().remove(chosen);
        if (its.getValue().isEmpty()) {
            held.remove(its.getKey());
        }
        return chosen;
    }

    /** Whether {@code a}, of an address holding {@code aHolds}, is displaced before {@code b}. */
    private static boolean goesBefore(Waiting a, int aHolds, Waiting b, int bHolds) {
        int aProgress = a.progress();
        int bProgress = b.progress();
        if (aProgress != bProgress) {
            return aProgress < bProgress;
        }
        if (aHolds != bHolds) {
            return aHolds > bHolds;
        }
        return a.accepted() < b.accepted();
    }
}
