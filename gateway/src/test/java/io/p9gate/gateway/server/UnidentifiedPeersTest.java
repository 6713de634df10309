package io.p9gate.gateway.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.embedded.EmbeddedChannel;
import io.p9gate.gateway.budget.Allowance;
import io.p9gate.gateway.proto.Errno;
import java.net.InetAddress;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * {@link UnidentifiedPeers}: places of connections awaiting their TLS handshake, per address and per listener. When
 * the listener's places are taken, a connection from an address holding fewer takes the place of the oldest
 * connection of the address holding most, a connection whose peer has sent nothing before one whose handshake is
 * under way. The displaced connection keeps its descriptor of the pool until it has closed (its loop may be busy),
 * the newcomer taking another, or with the pool spent the displaced one's; as many closing as the listener has
 * places, a newcomer is refused; each descriptor is given back once.
 */
class UnidentifiedPeersTest {
    private final Allowance pool = new Allowance("VMs", "budget.descriptor-pool", Errno.EMFILE, 100, null);
    private final UnidentifiedPeers peers = new UnidentifiedPeers(pool, a -> Set.of(), () -> 3, () -> 4);

    @Test
    void aNewcomerTakesThePlaceOfTheOldestConnectionOfTheLargestHolder() throws Exception {
        InetAddress flood = InetAddress.getByName("127.0.0.2");
        InetAddress other = InetAddress.getByName("127.0.0.3");
        InetAddress vm = InetAddress.getByName("127.0.0.4");
        Channel first = new EmbeddedChannel();
        assertNull(displaced(peers.tryTake(flood, first)));
        Channel second = new EmbeddedChannel();
        peers.tryTake(flood, second);
        peers.tryTake(flood, new EmbeddedChannel());
        assertSame(
                first,
                displacedAndClosed(peers.tryTake(flood, new EmbeddedChannel())),
                "3 per address: its own oldest goes");
        peers.tryTake(other, new EmbeddedChannel());
        assertEquals(4, pool.used(), "the listener's 4 places");

        Channel mine = new EmbeddedChannel();
        UnidentifiedPeers.Place place = peers.tryTake(vm, mine);
        assertTrue(place instanceof UnidentifiedPeers.Place.Displacing);
        assertSame(second, displaced(place), "the oldest of the address holding most");
        // Before, the displaced connection's descriptor passed on here (4): while its loop was busy it stayed open,
        // counted nowhere (identity.TlsDisplacedDescriptorAttackTest). It keeps it until it has closed.
        assertEquals(5, pool.used(), "the displaced connection keeps its descriptor while it closes");

        peers.give(flood, second); // its close, later: its place is another's now
        second.close();
        assertEquals(4, pool.used(), "given back by its close, once");
        peers.give(vm, mine);
        assertEquals(3, pool.used());
    }

    /** As many displaced connections still closing as the listener has places: a newcomer is refused, until one has. */
    @Test
    void aNewcomerIsRefusedWhileAsManyDisplacedAsPlacesAreStillClosing() throws Exception {
        for (int i = 0; i < 4; i++) {
            peers.tryTake(InetAddress.getByName("127.0.0." + (2 + i)), new EmbeddedChannel());
        }
        Channel[] displaced = new Channel[4];
        for (int i = 0; i < 4; i++) {
            displaced[i] = displaced(peers.tryTake(InetAddress.getByName("127.0.1." + i), new EmbeddedChannel()));
        }
        assertEquals(8, pool.used(), "4 waiting, 4 closing");
        assertTrue(
                peers.tryTake(InetAddress.getByName("127.0.2.1"), new EmbeddedChannel())
                        instanceof UnidentifiedPeers.Place.Refused,
                "twice the places open");
        displaced[0].close();
        assertEquals(7, pool.used());
        assertTrue(displaced(peers.tryTake(InetAddress.getByName("127.0.2.2"), new EmbeddedChannel())) != null);
    }

    /** With the pool spent, the displaced connection's descriptor passes on; it is counted among the closing alone. */
    @Test
    void withThePoolSpentTheDisplacedConnectionsDescriptorPassesOn() throws Exception {
        Allowance small = new Allowance("VMs", "budget.descriptor-pool", Errno.EMFILE, 2, null);
        UnidentifiedPeers two = new UnidentifiedPeers(small, a -> Set.of(), () -> 3, () -> 4);
        Channel old = new EmbeddedChannel();
        two.tryTake(InetAddress.getByName("127.0.0.2"), old);
        two.tryTake(InetAddress.getByName("127.0.0.2"), new EmbeddedChannel());
        assertSame(old, displaced(two.tryTake(InetAddress.getByName("127.0.0.3"), new EmbeddedChannel())));
        assertEquals(2, small.used(), "passed on");
        old.close();
        assertEquals(2, small.used(), "not given back twice");
    }

    @Test
    void anAddressHoldingAsManyAsTheLargestTakesThePlaceOfItsOwn() throws Exception {
        InetAddress a = InetAddress.getByName("127.0.0.2");
        InetAddress b = InetAddress.getByName("127.0.0.3");
        peers.tryTake(a, new EmbeddedChannel());
        peers.tryTake(a, new EmbeddedChannel());
        Channel oldestOfB = new EmbeddedChannel();
        peers.tryTake(b, oldestOfB);
        peers.tryTake(b, new EmbeddedChannel());
        assertSame(oldestOfB, displacedAndClosed(peers.tryTake(b, new EmbeddedChannel())), "not a's: its equal's");
        assertEquals(4, pool.used());
    }

    @Test
    void aSilentConnectionGoesBeforeAnOlderOneWhoseHandshakeIsUnderWay() throws Exception {
        Channel vm = started();
        peers.tryTake(InetAddress.getByName("127.0.0.2"), vm);
        Channel[] silent = new Channel[3];
        for (int i = 0; i < silent.length; i++) {
            silent[i] = new EmbeddedChannel(new HandshakeCost());
            peers.tryTake(InetAddress.getByName("127.0.1." + i), silent[i]);
        }
        for (int i = 0; i < 10; i++) {
            Channel fresh = new EmbeddedChannel(new HandshakeCost());
            Channel displaced = displacedAndClosed(peers.tryTake(InetAddress.getByName("127.0.2." + i), fresh));
            assertTrue(displaced != null && displaced != vm, "a silent one, not the VM's");
            if (i < silent.length) {
                assertSame(silent[i], displaced, "the oldest silent one");
            }
        }
        assertEquals(4, pool.used());
    }

    @Test
    void withNoSilentConnectionTheOldestStartedOneGoes() throws Exception {
        Channel oldest = started();
        peers.tryTake(InetAddress.getByName("127.0.0.2"), oldest);
        for (int i = 0; i < 3; i++) {
            peers.tryTake(InetAddress.getByName("127.0.1." + i), started());
        }
        assertSame(oldest, displaced(peers.tryTake(InetAddress.getByName("127.0.0.3"), new EmbeddedChannel())));
    }

    @Test
    void aStalledClientHelloGoesBeforeAnOlderHandshakeTheGatewayAnswered() throws Exception {
        Channel vm = answered();
        assertStalledOnesGoFirst(vm);
        assertEquals(4, pool.used());
    }

    /**
     * A handshake the gateway answered outranks one not answered yet for {@link UnidentifiedPeers#ANSWER_GRACE} only:
     * past it, stalled after a key exchange, it goes first, before silent connections (StalledAnsweredHandshakeAttackTest).
     */
    @Test
    void anAnsweredHandshakeStalledPastItsGraceGoesFirst() throws Exception {
        AtomicLong now = new AtomicLong();
        UnidentifiedPeers timed = new UnidentifiedPeers(pool, a -> Set.of(), () -> 3, () -> 4, now::get);
        EmbeddedChannel stalled = new EmbeddedChannel(new HandshakeCost(now::get));
        stalled.writeInbound(Unpooled.wrappedBuffer(new byte[] {22, 3, 1}));
        stalled.writeOutbound(Unpooled.wrappedBuffer(new byte[] {22, 3, 3}));
        timed.tryTake(InetAddress.getByName("127.0.0.2"), stalled);
        for (int i = 0; i < 3; i++) {
            timed.tryTake(InetAddress.getByName("127.0.1." + i), new EmbeddedChannel(new HandshakeCost(now::get)));
        }
        now.addAndGet(UnidentifiedPeers.ANSWER_GRACE.toNanos() - 1);
        UnidentifiedPeers.Place within = timed.tryTake(InetAddress.getByName("127.0.2.1"), new EmbeddedChannel());
        assertTrue(displaced(within) != stalled, "within its grace a silent one goes first");
        now.addAndGet(1);
        UnidentifiedPeers.Place past = timed.tryTake(InetAddress.getByName("127.0.2.2"), new EmbeddedChannel());
        assertEquals(
                new UnidentifiedPeers.Place.Displacing(stalled, UnidentifiedPeers.Progress.STALLED_AFTER_ANSWER),
                past,
                "past it, the stalled one, before the silent ones");
    }

    /**
     * A connection from an address whose handshakes named a VM goes after every connection from the others, however
     * far theirs came: silent (a VM's connection before its ClientHello is read) against answered ones
     * (identity.SilentConnectionRenewalAttackTest).
     */
    @Test
    void aConnectionFromAnAddressThatNamedAVmGoesLast() throws Exception {
        NamedAddresses named = new NamedAddresses();
        InetAddress vm = InetAddress.getByName("127.0.0.2");
        named.named("vm", vm, null);
        UnidentifiedPeers ranked = new UnidentifiedPeers(pool, named::vmsOf, () -> 3, () -> 4);
        Channel silent = new EmbeddedChannel(new HandshakeCost());
        ranked.tryTake(vm, silent);
        for (int i = 0; i < 3; i++) {
            ranked.tryTake(InetAddress.getByName("127.0.1." + i), answered());
        }
        for (int i = 0; i < 10; i++) {
            Channel displaced = displacedAndClosed(ranked.tryTake(InetAddress.getByName("127.0.2." + i), started()));
            assertTrue(displaced != null && displaced != silent, "another address's, not the VM's");
        }
        assertFalse(named.contains(InetAddress.getByName("127.0.2.1")));
    }

    /**
     * Red team: any VM may name up to 64 addresses with its own certificate (a guest's IPv6 /64, a sidecar's 127/8),
     * and every connection from them outranked every connection from the others. VM x, having named 16, kept
     * silent connections from 4 of them on a listener of 4 places, and renewed one from another of them whenever a
     * place was wanted: VM y's first connection from its new address, answered by the gateway and under way, was
     * the one displaced each time, for the price of a connect (a peer without a certificate needs a key exchange
     * per place and per handshake time, docs/deploy.md). A VM's addresses now rank so at most as many of its
     * connections as one address may hold, its most advanced: the rest rank as any other address's.
     */
    @Test
    void anotherVmsNamedAddressesDoNotDisplaceAHandshakeUnderWay() throws Exception {
        NamedAddresses named = new NamedAddresses();
        for (int i = 0; i < 16; i++) {
            named.named("x", InetAddress.getByName("127.1.0." + i), null);
        }
        UnidentifiedPeers ranked = new UnidentifiedPeers(pool, named::vmsOf, () -> 2, () -> 4);
        for (int i = 0; i < 4; i++) {
            ranked.tryTake(InetAddress.getByName("127.1.0." + i), new EmbeddedChannel(new HandshakeCost()));
        }
        EmbeddedChannel y = (EmbeddedChannel) started();
        assertTrue(displacedAndClosed(ranked.tryTake(InetAddress.getByName("127.0.0.5"), y)) != null);
        y.writeOutbound(Unpooled.wrappedBuffer(new byte[] {22, 3, 3})); // the gateway's answer: under way
        for (int i = 4; i < 16; i++) {
            Channel displaced = displacedAndClosed(
                    ranked.tryTake(InetAddress.getByName("127.1.0." + i), new EmbeddedChannel(new HandshakeCost())));
            assertTrue(displaced != null && displaced != y, "one of x's silent ones, not y's handshake: " + i);
        }
    }

    /**
     * An address two VMs' handshakes named (VMs behind one NAT, or a VM that binds another's loopback address) was
     * charged to one of them, whichever the table listed first: VM y's handshake under way from its only address,
     * charged to x, competed with x's answered handshakes for x's named places and was displaced by a newcomer from
     * an address that never named a VM. Charged to every VM that named it, it keeps y's place.
     */
    @Test
    void anAddressTwoVmsNamedIsChargedToEach() throws Exception {
        NamedAddresses named = new NamedAddresses();
        InetAddress shared = InetAddress.getByName("127.0.0.9");
        for (int i = 0; i < 3; i++) {
            named.named("x", InetAddress.getByName("127.1.0." + i), null);
        }
        named.named("x", shared, null);
        named.named("y", shared, null);
        UnidentifiedPeers ranked = new UnidentifiedPeers(pool, named::vmsOf, () -> 2, () -> 4);
        for (int i = 0; i < 3; i++) {
            ranked.tryTake(InetAddress.getByName("127.1.0." + i), answered());
        }
        Channel y = started();
        ranked.tryTake(shared, y);
        Channel displaced = displacedAndClosed(ranked.tryTake(InetAddress.getByName("127.0.2.1"), started()));
        assertTrue(displaced != null && displaced != y, "x's third handshake, beyond its named places, not y's");
    }

    @Test
    void anEmptyWriteIsNoAnswer() {
        EmbeddedChannel channel = (EmbeddedChannel) started();
        channel.writeOutbound(Unpooled.EMPTY_BUFFER);
        assertFalse(HandshakeCost.answered(channel));
        channel.writeOutbound(Unpooled.wrappedBuffer(new byte[] {22, 3, 3}));
        assertTrue(HandshakeCost.answered(channel));
    }

    /**
     * The peer's bytes after the gateway's answer are its handshake moving (identity.SlowClientFlightTest): the
     * grace counts from the last of them, but the peer's bytes cost it nothing, so never past
     * {@link UnidentifiedPeers#ANSWER_LIMIT} after the answer, however steadily they come.
     */
    @Test
    void thePeersBytesAfterTheAnswerMoveItsHandshakeUntilTheLimit() {
        AtomicLong now = new AtomicLong();
        EmbeddedChannel slow = new EmbeddedChannel(new HandshakeCost(now::get));
        slow.writeInbound(Unpooled.wrappedBuffer(clientHello(300)));
        slow.writeOutbound(Unpooled.wrappedBuffer(new byte[] {22, 3, 3}));
        long step = UnidentifiedPeers.ANSWER_GRACE.toNanos() - 1;
        long limit = UnidentifiedPeers.ANSWER_LIMIT.toNanos();
        while (now.get() + step < limit) {
            now.addAndGet(step);
            assertEquals(UnidentifiedPeers.Progress.ANSWERED, progress(slow, now.get()), "quiet within its grace");
            slow.writeInbound(Unpooled.wrappedBuffer(new byte[] {23}));
        }
        assertEquals(UnidentifiedPeers.Progress.ANSWERED, progress(slow, limit - 1), "just moved, within the limit");
        assertEquals(UnidentifiedPeers.Progress.STALLED_AFTER_ANSWER, progress(slow, limit), "at the limit");
        EmbeddedChannel quiet = new EmbeddedChannel(new HandshakeCost(now::get));
        quiet.writeInbound(Unpooled.wrappedBuffer(clientHello(300)));
        now.set(0);
        quiet.writeOutbound(Unpooled.wrappedBuffer(new byte[] {22, 3, 3}));
        now.set(1000);
        quiet.writeInbound(Unpooled.wrappedBuffer(new byte[] {20}));
        long grace = UnidentifiedPeers.ANSWER_GRACE.toNanos();
        assertEquals(
                UnidentifiedPeers.Progress.ANSWERED, progress(quiet, 1000 + grace - 1), "within its last bytes' grace");
        assertEquals(
                UnidentifiedPeers.Progress.STALLED_AFTER_ANSWER,
                progress(quiet, 1000 + grace),
                "quiet past the grace after its last bytes");
    }

    private static UnidentifiedPeers.Progress progress(Channel connection, long now) {
        return UnidentifiedPeers.Progress.of(connection, now);
    }

    /**
     * A VM's connection whose whole ClientHello waits for its answer (queued for the handshake thread, then a key
     * exchange) while newer connections from fresh addresses each send the first bytes of one and stall. Before,
     * both counted as "sent bytes", and the oldest of those, the VM's, went first.
     */
    @Test
    void aWholeClientHelloAwaitingItsAnswerGoesAfterNewerStalledOnes() throws Exception {
        EmbeddedChannel vm = new EmbeddedChannel(new HandshakeCost());
        byte[] hello = clientHello(300);
        vm.writeInbound(Unpooled.wrappedBuffer(hello, 0, 100)); // as TCP may cut it
        vm.writeInbound(Unpooled.wrappedBuffer(hello, 100, hello.length - 100));
        assertStalledOnesGoFirst(vm);
    }

    /** A ClientHello one byte short of whole is a stalled one. */
    @Test
    void aClientHelloOneByteShortIsStalled() throws Exception {
        EmbeddedChannel cut = new EmbeddedChannel(new HandshakeCost());
        byte[] hello = clientHello(300);
        cut.writeInbound(Unpooled.wrappedBuffer(hello, 0, hello.length - 1));
        peers.tryTake(InetAddress.getByName("127.0.0.2"), cut);
        for (int i = 0; i < 3; i++) {
            peers.tryTake(InetAddress.getByName("127.0.1." + i), started());
        }
        assertSame(cut, displaced(peers.tryTake(InetAddress.getByName("127.0.0.3"), started())), "the oldest");
    }

    /**
     * A HelloRetryRequest costs the gateway no key exchange (a ClientHello whose key share is for a group it does
     * not prefer draws one): before, as the engine's first bytes out it ranked the connection "answered", the rank
     * a VM's handshake under way has, for the price of a replayed ClientHello.
     */
    @Test
    void aHelloRetryRequestIsNoAnswer() {
        EmbeddedChannel channel = (EmbeddedChannel) started();
        channel.writeOutbound(Unpooled.wrappedBuffer(serverHello(HandshakeCost.HELLO_RETRY_REQUEST)));
        assertFalse(HandshakeCost.answered(channel), "a HelloRetryRequest");
        channel.writeOutbound(Unpooled.wrappedBuffer(serverHello(new byte[32])));
        assertTrue(HandshakeCost.answered(channel), "the ServerHello after it");
    }

    /**
     * {@code vm}'s connection, then 3 from fresh addresses that sent the first bytes of a ClientHello and stalled,
     * fill the listener; 10 more such take places: each that of a stalled one, never the VM's.
     */
    private void assertStalledOnesGoFirst(Channel vm) throws Exception {
        peers.tryTake(InetAddress.getByName("127.0.0.2"), vm);
        for (int i = 0; i < 3; i++) {
            peers.tryTake(InetAddress.getByName("127.0.1." + i), started());
        }
        for (int i = 0; i < 10; i++) {
            Channel displaced = displacedAndClosed(peers.tryTake(InetAddress.getByName("127.0.2." + i), started()));
            assertTrue(displaced != null && displaced != vm, "a stalled one, not the VM's");
        }
    }

    /** The connection whose place {@code place} took, or null. */
    private static Channel displaced(UnidentifiedPeers.Place place) {
        return place instanceof UnidentifiedPeers.Place.Displacing(Channel displaced, var _) ? displaced : null;
    }

    /** The connection {@code place} displaced, closed as the gateway closes it; null if none. */
    private static Channel displacedAndClosed(UnidentifiedPeers.Place place) {
        Channel displaced = displaced(place);
        if (displaced != null) {
            displaced.close();
        }
        return displaced;
    }

    /** A TLS record holding a ClientHello of {@code body} bytes (framing only: what the gateway counts). */
    private static byte[] clientHello(int body) {
        byte[] b = new byte[5 + 4 + body];
        b[0] = 22;
        b[1] = 3;
        b[2] = 1;
        b[3] = (byte) ((4 + body) >> 8);
        b[4] = (byte) (4 + body);
        b[5] = 1;
        b[7] = (byte) (body >> 8);
        b[8] = (byte) body;
        return b;
    }

    /** A ServerHello record with {@code random}, its body cut after the random. */
    private static byte[] serverHello(byte[] random) {
        byte[] b = new byte[5 + 4 + 2 + 32];
        b[0] = 22;
        b[1] = 3;
        b[2] = 3;
        b[4] = (byte) (4 + 2 + 32);
        b[5] = 2;
        b[8] = (byte) (2 + 32 + 40);
        b[9] = 3;
        b[10] = 3;
        System.arraycopy(random, 0, b, 11, 32);
        return b;
    }

    /** A connection whose peer has sent a ClientHello the gateway answered (its ServerHello written). */
    private static Channel answered() {
        EmbeddedChannel channel = (EmbeddedChannel) started();
        channel.writeOutbound(Unpooled.wrappedBuffer(new byte[] {22, 3, 3}));
        return channel;
    }

    /** A connection whose peer has sent the first bytes of a ClientHello. */
    private static Channel started() {
        EmbeddedChannel channel = new EmbeddedChannel(new HandshakeCost());
        channel.writeInbound(Unpooled.wrappedBuffer(new byte[] {22, 3, 1}));
        return channel;
    }
}
