package io.p9gate.gateway.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.InetAddress;
import java.net.NetworkInterface;
import java.util.Collections;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A device-bound listener asks, for every connection it accepts, whether the peer is one of this host's own
 * addresses. Listing every interface for that costs more with each interface (0.25 ms with 2, 3.7 ms with 200), and a
 * guest that reconnects in a loop would make the gateway spend it on each accept: the kernel is asked instead, and the
 * interfaces are listed only for an address it takes as local (to name the interface holding it).
 */
class FromThisHostTest {
    /** TEST-NET-2 and the IPv6 documentation prefix: held by no interface of a test machine. */
    private static final String GUEST_V4 = "198.51.100.7";

    private static final String GUEST_V6 = "2001:db8::7";

    /** This host's interfaces, as the kernel lists them now: every interface listed on each call. */
    private static final FromThisHost.Interfaces SYSTEM_INTERFACES = address -> {
        NetworkInterface own = NetworkInterface.getByInetAddress(address);
        return own == null ? null : own.getName();
    };

    private final AtomicInteger listings = new AtomicInteger();

    private final FromThisHost fromThisHost = new FromThisHost(address -> {
        listings.incrementAndGet();
        return SYSTEM_INTERFACES.holding(address);
    });

    @Test
    void aGuestsAddressIsToldWithoutListingTheInterfaces() throws Exception {
        for (String guest : new String[] {GUEST_V4, GUEST_V6}) {
            InetAddress peer = InetAddress.getByName(guest);
            assumeTrue(NetworkInterface.getByInetAddress(peer) == null, guest + " is an address of this machine");
            listings.set(0);
            assertNull(fromThisHost.reason(peer), guest);
            assertEquals(0, listings.get(), "interface listings for " + guest);
        }
    }

    @Test
    void anAddressOfThisHostIsStillFoundWithItsInterface() throws Exception {
        int checked = 0;
        for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
            for (InetAddress own : Collections.list(nic.getInetAddresses())) {
                if (own.isLoopbackAddress()) {
                    continue;
                }
                String reason = fromThisHost.reason(own);
                assertNotNull(reason, own + " on " + nic.getName());
                assertTrue(reason.contains("this host's own address (on " + nic.getName() + ")"), reason);
                checked++;
            }
        }
        // A machine with only a loopback address has nothing to check here: skipped, not passed.
        assumeTrue(checked > 0, "this host has no address besides loopback");
    }

    /**
     * On the accept thread every listener shares (IdentifiedPlaceGate), a local process connecting in a loop asks of
     * an address the kernel binds: the interfaces are listed once per {@link FromThisHost.ListedInterfaces#REFRESH_NANOS}
     * for it, and for an address not listed (added since, or any where ip_nonlocal_bind is 1) at most once a second.
     * Counts listings under a clock the test moves; the time of a listing and of a kept lookup is printed, not bounded.
     */
    @Test
    void theInterfacesAreListedOncePerRefreshNotPerAccept() throws Exception {
        InetAddress own = InetAddress.getByName("192.0.2.1");
        InetAddress added = InetAddress.getByName("192.0.2.2");
        java.util.Map<InetAddress, String> now = new java.util.HashMap<>(java.util.Map.of(own, "tap0"));
        long[] clock = {0};
        FromThisHost.ListedInterfaces listed = new FromThisHost.ListedInterfaces(
                () -> {
                    listings.incrementAndGet();
                    return now;
                },
                () -> clock[0]);
        for (int i = 0; i < 1000; i++) {
            assertEquals("tap0", listed.holding(own));
            clock[0] += 1_000_000; // 1 ms between accepts
        }
        assertEquals(1, listings.get(), "listings for 1000 accepts in 1 s");
        now.put(added, "tap0");
        assertEquals("tap0", listed.holding(added), "an address added since: listed again on the miss");
        assertEquals(2, listings.get());
        InetAddress guest = InetAddress.getByName(GUEST_V4);
        for (int i = 0; i < 1000; i++) {
            assertNull(listed.holding(guest));
        }
        assertEquals(2, listings.get(), "misses within the second after a listing list nothing");
        clock[0] += FromThisHost.ListedInterfaces.MISS_REFRESH_NANOS;
        assertNull(listed.holding(guest));
        assertEquals(3, listings.get(), "a miss a second later lists again");
        clock[0] += FromThisHost.ListedInterfaces.REFRESH_NANOS;
        assertEquals("tap0", listed.holding(own));
        assertEquals(4, listings.get(), "a hit after the refresh interval lists again");

        InetAddress lo = InetAddress.getLoopbackAddress();
        FromThisHost.ListedInterfaces system =
                new FromThisHost.ListedInterfaces(FromThisHost.ListedInterfaces::system, System::nanoTime);
        long t0 = System.nanoTime();
        for (int i = 0; i < 100; i++) {
            SYSTEM_INTERFACES.holding(lo);
        }
        long t1 = System.nanoTime();
        for (int i = 0; i < 100; i++) {
            system.holding(lo);
        }
        long t2 = System.nanoTime();
        System.out.printf(
                "interface lookup per accept, us: listed each time %d, kept list %d%n",
                (t1 - t0) / 100_000, (t2 - t1) / 100_000);
    }

    @Test
    void aLoopbackPeerIsThisHostWithoutAsking() {
        assertNotNull(fromThisHost.reason(InetAddress.getLoopbackAddress()));
        assertEquals(0, listings.get());
    }
}
