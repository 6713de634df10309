package io.p9gate.gateway.server;

import io.netty.channel.Channel;
import io.p9gate.gateway.budget.Allowance;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.function.Predicate;

/**
 * The connections of a {@code tls:} listener whose handshake has not named their VM yet (R-ROB-2); one per listener.
 * Until then no VM's connection budget holds them, yet each holds a descriptor for up to the handshake timeout:
 * unbounded, a peer that connects and never handshakes could take every descriptor of the process, the reserve
 * included. So each one is also taken from the descriptors set apart for handshakes ({@code
 * Budgets.handshakePlaces}: outside the VMs' pool and the reserve), and one peer
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
 * one of the connections of the addresses holding more, which is closed: one of an address whose handshakes never
 * named a VM on the listener before any of one whose did ({@link NamedAddresses}: before its ClientHello is read, a
 * VM's connection is as silent as a flood's; a VM's addresses so for at most as many of its connections as one address
 * may hold), then in the order of {@link Progress}: first
 * one the gateway answered whose handshake has not ended and is quiet for {@link #ANSWER_GRACE} (or outlived
 * {@link #ANSWER_LIMIT}), then one whose peer
 * has sent nothing yet (a TLS client sends its ClientHello as soon as it connects, so a silent connection is one
 * that stalls), then one whose peer has sent bytes the gateway has not answered (a ClientHello cut short, then a
 * whole one), and only then one the gateway has answered that is moving (its ServerHello sent); within each, one
 * of the address holding most, the oldest first (a handshake that ends takes milliseconds, so what waits longest is
 * what stalls). Ranked so, a peer connecting from fresh
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
    /**
     * How long after the gateway's answer (its ServerHello), or after the peer's bytes since, a handshake still
     * outranks one not answered yet. A real client answers the gateway's flight once it has verified the chain and
     * signed (RSA-4096 on a slow ECU core: about 0.1-0.5 s), so a handshake quiet 3 s after the answer is one that
     * stalls. Outranking until the handshake timeout (10 s), one such connection per place, renewed a key exchange
     * per place per 10 s, left a VM's connection the only one to displace in the moment before the gateway answered
     * it: a silent connection then took its place (identity.StalledAnsweredHandshakeAttackTest). Counted from the
     * answer alone, a client that sends its flight record by record while it signs slowly (a key in an HSM or a
     * TPM, a loaded guest) was displaced first while it made progress (identity.SlowClientFlightTest).
     */
    static final Duration ANSWER_GRACE = Duration.ofSeconds(3);

    /**
     * How long after the gateway's answer a handshake outranks one not answered yet, however steadily its peer
     * sends: a peer's bytes cost it nothing, so without this bound an attacker trickling them held a place at that
     * rank until the handshake timeout (10 s) for one key exchange. A slow signer's whole flight fits well within.
     */
    static final Duration ANSWER_LIMIT = ANSWER_GRACE.multipliedBy(2);

    /**
     * How far a handshake has come, in the order connections are displaced, the first first. Read when a place is
     * wanted, as it may change meanwhile.
     */
    enum Progress {
        /**
         * Answered, and not ended: quiet for {@link #ANSWER_GRACE} since the answer or the peer's last bytes, or
         * answered longer than {@link #ANSWER_LIMIT} ago. Its peer stalls (or is far too slow).
         */
        STALLED_AFTER_ANSWER,
        /** The peer has sent nothing: a TLS client sends its ClientHello as soon as it connects. */
        SILENT,
        /** The peer has sent part of a ClientHello. */
        PART_OF_HELLO,
        /**
         * A whole ClientHello not answered yet: its step queued for the handshake thread, or only a
         * HelloRetryRequest sent (which costs the gateway no key exchange).
         */
        WHOLE_HELLO,
        /**
         * Answered (a key exchange made), and moved within {@link #ANSWER_GRACE} and {@link #ANSWER_LIMIT}: a
         * handshake under way on both sides.
         */
        ANSWERED;

        static Progress of(Channel connection, long now) {
            if (HandshakeCost.answered(connection)) {
                boolean moving = HandshakeCost.movedAfter(connection, now - ANSWER_GRACE.toNanos())
                        && !HandshakeCost.answeredBy(connection, now - ANSWER_LIMIT.toNanos());
                return moving ? ANSWERED : STALLED_AFTER_ANSWER;
            }
            if (HandshakeCost.peerSentHello(connection)) {
                return WHOLE_HELLO;
            }
            return HandshakeCost.peerSent(connection) ? PART_OF_HELLO : SILENT;
        }
    }

    /** A connection awaiting its handshake, in the order the listener accepted them. */
    private record Waiting(Channel connection, long accepted) {}

    private final Map<InetAddress, ArrayDeque<Waiting>> held = new HashMap<>();
    /** Displaced connections not closed yet, each with whether it still holds its own descriptor of the pool. */
    private final Map<Channel, Boolean> closing = new IdentityHashMap<>();
    /** The listener's server channel while it stops accepting for its closing connections; else null. */
    private Channel paused;

    private final Allowance pool;
    /** The VMs an address's handshakes have named, none if none: its connections are displaced last. */
    private final Function<InetAddress, ? extends Collection<String>> named;

    private final LongSupplier perAddress;
    private final LongSupplier perListener;
    /** System.nanoTime(), or a test's: the clock of the connections' {@link HandshakeCost}. */
    private final LongSupplier clock;

    private long total;
    private long accepted;

    /**
     * @param perAddress  the most one address may hold: read at each accept (limits change on reload)
     * @param perListener the most the listener may hold, all addresses together: read at each accept
     */
    UnidentifiedPeers(
            Allowance pool,
            Function<InetAddress, ? extends Collection<String>> named,
            LongSupplier perAddress,
            LongSupplier perListener) {
        this(pool, named, perAddress, perListener, System::nanoTime);
    }

    UnidentifiedPeers(
            Allowance pool,
            Function<InetAddress, ? extends Collection<String>> named,
            LongSupplier perAddress,
            LongSupplier perListener,
            LongSupplier clock) {
        this.pool = pool;
        this.named = named;
        this.perAddress = perAddress;
        this.perListener = perListener;
        this.clock = clock;
    }

    /** What {@link #tryTake} did with a connection. */
    sealed interface Place {
        /** It took a free place. */
        record Free() implements Place {}

        /** It took the place of {@code displaced}, which had come as far as {@code progress}; the caller closes it. */
        record Displacing(Channel displaced, Progress progress) implements Place {}

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
        long now = clock.getAsLong();
        Ranked displaced =
                holds < perAddress.getAsLong() ? displaceable(a -> held.get(a).size() > holds, now) : null;
        if (displaced == null && holds > 0) {
            displaced = displaceable(address::equals, now);
        }
        if (displaced == null) {
            return new Place.Refused("the process's descriptors are spent and this listener holds none to give up");
        }
        // The displaced connection keeps its descriptor until it has closed, and the newcomer takes another; with
        // the pool spent (by other listeners, by VMs' opens) it takes the displaced one's, which is then counted
        // among the closing only, so that a VM may still displace a flood's connections.
        Channel leaving = displaced.waiting().connection();
        closing.put(leaving, pool.tryAcquire(1));
        leaving.closeFuture().addListener(f -> closed(leaving));
        if (closing.size() >= perListener.getAsLong() && connection.parent() != null) {
            // Refused instead, a VM's connection that came while the loop lagged was; in the listen queue it waits.
            paused = connection.parent();
            paused.config().setAutoRead(false);
        }
        add(address, connection); // in the displaced connection's place
        return new Place.Displacing(leaving, displaced.progress());
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
     * A connection waiting, ranked at one instant: held by one address, which held so many, and whose handshakes have
     * named a VM or not.
     */
    private record Ranked(Waiting waiting, Progress progress, InetAddress address, int holds, boolean named) {
        /** Whether this one is displaced before {@code other}. */
        boolean goesBefore(Ranked other) {
            if (named != other.named) {
                return other.named;
            }
            if (progress != other.progress) {
                return progress.compareTo(other.progress) < 0;
            }
            if (holds != other.holds) {
                return holds > other.holds;
            }
            return waiting.accepted() < other.waiting.accepted();
        }

        Ranked asNamed() {
            return new Ranked(waiting, progress, address, holds, true);
        }
    }

    /**
     * Removes and answers the connection whose place a newcomer takes, among the addresses {@code eligible}: one of
     * an address whose handshakes never named a VM, then the least advanced handshake ({@link Progress}, at {@code
     * now}), then one of the address holding most, then the oldest. Null if no eligible address holds any. A VM's
     * addresses rank as named for at most as many of its connections as one address may hold, its last to go: any VM
     * names up to 64 addresses with its own certificate, and its silent connections from them outranked another
     * VM's handshake under way from an address of its own (UnidentifiedPeersTest, another VM's named addresses).
     */
    private Ranked displaceable(Predicate<InetAddress> eligible, long now) {
        List<Ranked> all = new ArrayList<>();
        Map<String, List<Ranked>> byVm = new HashMap<>();
        for (Map.Entry<InetAddress, ArrayDeque<Waiting>> e : held.entrySet()) {
            int size = e.getValue().size();
            Collection<String> vms = named.apply(e.getKey());
            for (Waiting w : e.getValue()) {
                Ranked r = new Ranked(w, Progress.of(w.connection(), now), e.getKey(), size, false);
                all.add(r);
                for (String vm : vms) { // an address VMs share: any one of them may be its connections'
                    byVm.computeIfAbsent(vm, v -> new ArrayList<>()).add(r);
                }
            }
        }
        Set<Waiting> ranksAsNamed = new HashSet<>();
        long each = perAddress.getAsLong();
        for (List<Ranked> its : byVm.values()) {
            its.sort((x, y) -> x.goesBefore(y) ? -1 : y.goesBefore(x) ? 1 : 0);
            its.subList((int) Math.max(0, its.size() - each), its.size()).forEach(r -> ranksAsNamed.add(r.waiting()));
        }
        Ranked chosen = null;
        for (Ranked r : all) {
            if (!eligible.test(r.address())) {
                continue;
            }
            Ranked candidate = ranksAsNamed.contains(r.waiting()) ? r.asNamed() : r;
            if (chosen == null || candidate.goesBefore(chosen)) {
                chosen = candidate;
            }
        }
        if (chosen == null) {
            return null;
        }
        ArrayDeque<Waiting> its = held.get(chosen.address());
        its.remove(chosen.waiting());
        if (its.isEmpty()) {
            held.remove(chosen.address());
        }
        return chosen;
    }
}
