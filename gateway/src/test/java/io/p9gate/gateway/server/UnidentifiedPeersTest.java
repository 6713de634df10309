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
import org.junit.jupiter.api.Test;

/**
 * {@link UnidentifiedPeers}: places of connections awaiting their TLS handshake, per address and per listener. When
 * the listener's places are taken, a connection from an address holding fewer takes the place of the oldest
 * connection of the address holding most, a connection whose peer has sent nothing before one whose handshake is
 * under way; the descriptor of the pool passes with the place, and is given back once.
 */
class UnidentifiedPeersTest {
    private final Allowance pool = new Allowance("VMs", "budget.descriptor-pool", Errno.EMFILE, 100, null);
    private final UnidentifiedPeers peers = new UnidentifiedPeers(pool, () -> 3, () -> 4);

    @Test
    void aNewcomerTakesThePlaceOfTheOldestConnectionOfTheLargestHolder() throws Exception {
        InetAddress flood = InetAddress.getByName("127.0.0.2");
        InetAddress other = InetAddress.getByName("127.0.0.3");
        InetAddress vm = InetAddress.getByName("127.0.0.4");
        Channel first = new EmbeddedChannel();
        assertNull(peers.tryTake(flood, first).displaced());
        Channel second = new EmbeddedChannel();
        peers.tryTake(flood, second);
        peers.tryTake(flood, new EmbeddedChannel());
        assertSame(
                first, peers.tryTake(flood, new EmbeddedChannel()).displaced(), "3 per address: its own oldest goes");
        peers.tryTake(other, new EmbeddedChannel());
        assertEquals(4, pool.used(), "the listener's 4 places");

        Channel mine = new EmbeddedChannel();
        UnidentifiedPeers.Place place = peers.tryTake(vm, mine);
        assertTrue(place.taken());
        assertSame(second, place.displaced(), "the oldest of the address holding most");
        assertEquals(4, pool.used(), "the displaced connection's descriptor passed on");

        peers.give(flood, second); // its close, later: its place is another's now
        assertEquals(4, pool.used());
        peers.give(vm, mine);
        assertEquals(3, pool.used());
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
        assertSame(oldestOfB, peers.tryTake(b, new EmbeddedChannel()).displaced(), "not a's: its equal's");
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
            UnidentifiedPeers.Place place = peers.tryTake(InetAddress.getByName("127.0.2." + i), fresh);
            assertTrue(place.displaced() != null && place.displaced() != vm, "a silent one, not the VM's");
            if (i < silent.length) {
                assertSame(silent[i], place.displaced(), "the oldest silent one");
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
        assertSame(
                oldest,
                peers.tryTake(InetAddress.getByName("127.0.0.3"), new EmbeddedChannel())
                        .displaced());
    }

    @Test
    void aStalledClientHelloGoesBeforeAnOlderHandshakeTheGatewayAnswered() throws Exception {
        Channel vm = answered();
        peers.tryTake(InetAddress.getByName("127.0.0.2"), vm);
        for (int i = 0; i < 3; i++) {
            peers.tryTake(InetAddress.getByName("127.0.1." + i), started());
        }
        for (int i = 0; i < 10; i++) {
            UnidentifiedPeers.Place place = peers.tryTake(InetAddress.getByName("127.0.2." + i), started());
            assertTrue(place.displaced() != null && place.displaced() != vm, "a stalled one, not the VM's");
        }
        assertEquals(4, pool.used());
    }

    @Test
    void anEmptyWriteIsNoAnswer() {
        EmbeddedChannel channel = (EmbeddedChannel) started();
        channel.writeOutbound(Unpooled.EMPTY_BUFFER);
        assertFalse(HandshakeCost.answered(channel));
        channel.writeOutbound(Unpooled.wrappedBuffer(new byte[] {22, 3, 3}));
        assertTrue(HandshakeCost.answered(channel));
        assertNull(channel.pipeline().get(HandshakeCost.class), "nothing more to mark");
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
