package io.p9gate.gateway.server;

import io.netty.channel.Channel;
import io.p9gate.gateway.budget.Allowance;
import java.net.InetAddress;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.IdentityHashMap;
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
 *
 * <p>A displaced connection is closed through its own event loop, which may be busy (another connection's work):
 * until it has closed it still holds its socket, so it stays counted among the listener's closing connections, as
 * many as the listener's places, keeping its descriptor of the pool. Its place passing at once to the newcomer, a
 * peer displacing connections faster than their loop closed them made the process hold any number of open sockets,
 * counted nowhere (identity.TlsDisplacedDescriptorAttackTest). With as many closing, the listener stops accepting
 * until one has closed (newcomers wait in the kernel's listen queue, which holds no descriptor of the process), and
 * one accepted meanwhile is refused: the listener holds at most twice its places of open unidentified connections.
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
    /** Displaced connections not closed yet, each with whether it still holds its own descriptor of the pool. */
    private final Map<Channel, Boolean> closing = new IdentityHashMap<>();
    /** The listener's server channel while it stops accepting for its closing connections; else null. */
    private Channel paused;

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

    /** What {@link #tryTake} did with a connection. */
    sealed interface Place {
        /** It took a free place. */
        record Free() implements Place {}

        /** It took the place of {@code displaced}, which the caller closes. */
        record Displacing(Channel displaced) implements Place {}

        /** It got no place, for the reason {@code why}. */
        record Refused(String why) implements Place {}
    }

    /**
     * Takes a place for {@code connection} from {@code address}: a free one, else that of a connection of an address
     * holding more, else that of one of its own address's (an address at its cap, or holding as many as any other).
     * A place taken from another connection is {@link Place.Displacing}: the caller closes that one, which stays
     * counted among the closing ones until it has. Refused when the listener holds nothing to displace (the pool
     * spent by other listeners), or as many displaced connections still closing as it has places.
     */
    synchronized Place tryTake(InetAddress address, Channel connection) {
        ArrayDeque<Waiting> mine = held.get(address);
        int holds = mine == null ? 0 : mine.size();
        if (holds < perAddress.getAsLong() && total < perListener.getAsLong() && pool.tryAcquire(1)) {
            add(address, connection);
            total++;
            return new Place.Free();
        }
        if (closing.size() >= perListener.getAsLong()) {
            return new Place.Refused(closing.size() + " connections this listener displaced are still closing, as"
                    + " many as it has places for connections awaiting their handshake");
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
            return new Place.Refused("the process's descriptors are spent and this listener holds none to give up");
        }
        // The displaced connection keeps its descriptor until it has closed, and the newcomer takes another; with
        // the pool spent (by other listeners, by VMs' opens) it takes the displaced one's, which is then counted
        // among the closing only, so that a VM may still displace a flood's connections.
        Channel leaving = displaced.connection();
        closing.put(leaving, pool.tryAcquire(1));
        leaving.closeFuture().addListener(f -> closed(leaving));
        if (closing.size() >= perListener.getAsLong() && connection.parent() != null) {
            // Refused instead, a VM's connection that came while the loop lagged was; in the listen queue it waits.
            paused = connection.parent();
            paused.config().setAutoRead(false);
        }
        add(address, connection); // in the displaced connection's place
        return new Place.Displacing(leaving);
    }

    /** A displaced connection has closed: its socket is gone, and the descriptor it kept with it. */
    private synchronized void closed(Channel connection) {
        if (Boolean.TRUE.equals(closing.remove(connection))) {
            pool.release(1);
        }
        if (paused != null && closing.size() < perListener.getAsLong()) {
            paused.config().setAutoRead(true);
            paused = null;
        }
    }

    /** Gives back a place {@link #tryTake} took: the handshake named the VM, or the connection closed before. */
    synchronized void give(InetAddress address, Channel connection) {
        ArrayDeque<Waiting> waiting = held.get(address);
        if (waiting == null || !waiting.removeIf(w -> w.connection() == connection)) {
            return; // displaced: another connection holds its place now, and its close is counted apart
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
