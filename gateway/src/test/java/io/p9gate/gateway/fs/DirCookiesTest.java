package io.p9gate.gateway.fs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The permutation behind Treaddir's cookies: invertible, 0 fixed, never 0 or negative otherwise, keyed. */
class DirCookiesTest {
    private static final Random RANDOM = new Random(15);

    @Test
    void everyPositionComesBackAndNoCookieIsZeroOrNegative() {
        DirCookies cookies = DirCookies.forVm("alpha");
        Set<Long> seen = new HashSet<>();
        for (int i = 0; i < 50_000; i++) {
            long host = i < 1000 ? i + 1 : RANDOM.nextLong() >>> 1; // small counting positions and hashes
            if (host == 0) {
                continue;
            }
            long guest = cookies.toGuest(host);
            assertTrue(guest > 0, host + " -> " + guest);
            assertEquals(host, cookies.toHost(guest), "position " + host);
            seen.add(guest);
        }
        assertTrue(seen.size() >= 49_999, "distinct positions, distinct cookies: " + seen.size());
        assertEquals(Long.MAX_VALUE, cookies.toHost(cookies.toGuest(Long.MAX_VALUE)));
    }

    @Test
    void theStartStaysTheStartAndNegativesStayAsTheyAre() {
        DirCookies cookies = DirCookies.forVm("alpha");
        assertEquals(0, cookies.toGuest(0));
        assertEquals(0, cookies.toHost(0));
        assertEquals(-5, cookies.toHost(-5));
        assertEquals(Long.MIN_VALUE, cookies.toGuest(Long.MIN_VALUE));
    }

    @Test
    void anyGuestValueReachesAPositiveHostPosition() {
        DirCookies cookies = DirCookies.forVm("alpha");
        for (int i = 0; i < 10_000; i++) {
            long forged = (RANDOM.nextLong() >>> 1) | 1;
            long host = cookies.toHost(forged);
            assertTrue(host > 0, forged + " -> " + host);
            assertEquals(forged, cookies.toGuest(host));
        }
    }

    @Test
    void countingPositionsShowNoOrderOrGaps() {
        DirCookies cookies = DirCookies.forVm("alpha");
        int ascending = 0;
        for (long host = 1; host < 1000; host++) {
            if (cookies.toGuest(host + 1) > cookies.toGuest(host)) {
                ascending++;
            }
        }
        assertTrue(ascending > 400 && ascending < 600, "consecutive positions ascend " + ascending + " of 999 times");
    }

    @Test
    void twoVmsOrTwoKeysGiveDifferentCookies() {
        DirCookies alpha = DirCookies.forVm("alpha");
        DirCookies beta = DirCookies.forVm("beta");
        DirCookies fixed = new DirCookies(new byte[16]);
        int same = 0;
        for (long host = 1; host <= 1000; host++) {
            long a = alpha.toGuest(host);
            if (a == beta.toGuest(host) || a == fixed.toGuest(host)) {
                same++;
            }
        }
        assertEquals(0, same, "positions with one cookie under two keys");
        assertEquals(alpha.toGuest(42), DirCookies.forVm("alpha").toGuest(42), "one VM, one key");
        assertNotEquals(new DirCookies(new byte[16]).toGuest(7), new DirCookies(new byte[] {1}).toGuest(7));
    }
}
