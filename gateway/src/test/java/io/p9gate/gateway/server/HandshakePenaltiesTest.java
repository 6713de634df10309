package io.p9gate.gateway.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.InetAddress;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class HandshakePenaltiesTest {
    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private final HandshakePenalties penalties = new HandshakePenalties(now::get);

    @Test
    void aFewFailuresAreFreeThenThePenaltyDoublesUpToTheLongest() throws Exception {
        InetAddress a = InetAddress.getByName("10.0.3.7");
        for (int i = 0; i < HandshakePenalties.FREE_FAILURES; i++) {
            assertEquals(Duration.ZERO, penalties.failed(a));
            assertEquals(Duration.ZERO, penalties.refused(a));
        }
        long[] seconds = {1, 2, 4, 8, 16, 32, 60, 60};
        for (long s : seconds) {
            assertEquals(Duration.ofSeconds(s), penalties.failed(a));
            assertEquals(Duration.ofSeconds(s), penalties.refused(a));
            advance(Duration.ofSeconds(s));
            assertEquals(Duration.ZERO, penalties.refused(a), "admitted again once the penalty is over");
        }
        assertEquals(Duration.ZERO, penalties.refused(InetAddress.getByName("10.0.3.8")), "another address");
    }

    @Test
    void successOrAQuietLongestForgetsTheFailures() throws Exception {
        InetAddress a = InetAddress.getByName("10.0.3.7");
        for (int i = 0; i <= HandshakePenalties.FREE_FAILURES; i++) {
            penalties.failed(a);
        }
        penalties.succeeded(a);
        assertEquals(Duration.ZERO, penalties.refused(a));
        assertEquals(Duration.ZERO, penalties.failed(a), "counted from one again");
        for (int i = 0; i < HandshakePenalties.FREE_FAILURES; i++) {
            penalties.failed(a);
        }
        advance(HandshakePenalties.LONGEST.plusSeconds(2));
        assertEquals(Duration.ZERO, penalties.failed(a), "forgotten after a quiet period");
    }

    @Test
    void eachAddressCountsAloneAndTheTableIsBounded() throws Exception {
        for (int i = 0; i <= HandshakePenalties.FREE_FAILURES; i++) {
            penalties.failed(InetAddress.getByName("fd00:1:2:3::1"));
        }
        assertEquals(Duration.ofSeconds(1), penalties.refused(InetAddress.getByName("fd00:1:2:3::1")));
        // VMs on one bridge share its /64: one VM's failures must not lock the others out.
        assertEquals(Duration.ZERO, penalties.refused(InetAddress.getByName("fd00:1:2:3::2")));
        for (int i = 0; i < HandshakePenalties.ADDRESSES + 100; i++) {
            penalties.failed(InetAddress.getByAddress(new byte[] {10, 1, (byte) (i >> 8), (byte) i}));
        }
        assertEquals(HandshakePenalties.ADDRESSES, penalties.tracked(), "addresses past the bound are not tracked");
        advance(HandshakePenalties.LONGEST.multipliedBy(3));
        penalties.failed(InetAddress.getByName("10.2.0.1"));
        assertEquals(1, penalties.tracked(), "forgotten addresses make room");
    }

    private void advance(Duration d) {
        now.addAndGet(d.toNanos());
    }
}
