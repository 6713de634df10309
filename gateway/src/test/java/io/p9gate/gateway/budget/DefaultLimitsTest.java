package io.p9gate.gateway.budget;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Derived budgets: all VMs together never promise more than the process has, and it keeps a reserve. */
class DefaultLimitsTest {
    private static final int MSIZE = 1024 * 1024 + 4096;
    private static final long MIB = 1 << 20;
    /** The reported attack's process: ulimit -n 20000, 256 MiB heap, ~60 descriptors open at start. */
    private static final HostResources SMALL = new HostResources(20_000, 60, 256 * MIB, 256 * MIB);

    @Test
    void theVmsDescriptorsAndConnectionsTogetherLeaveTheReserve() {
        for (int vms = 1; vms <= 8; vms++) {
            for (int tls = 0; tls <= 4; tls++) {
                Limits l = DefaultLimits.derive(SMALL, vms, tls, MSIZE);
                // With the handshake places of the tls: listeners, each as many as the VMs' connections, twice.
                long promised = vms * (l.descriptors() + l.connections())
                        + DefaultLimits.handshakeDescriptors(tls, vms * l.connections());
                assertTrue(
                        promised <= SMALL.maxDescriptors() - SMALL.openDescriptors() - 1024,
                        vms + " VMs, " + tls + " tls: listeners promised " + promised + " descriptors");
                assertTrue(l.connections() * 8 <= l.descriptors(), "connections at most an eighth: " + l);
            }
        }
        assertEquals(1024, DefaultLimits.descriptorReserve(20_000));
        assertEquals(64, DefaultLimits.descriptorReserve(1024));
    }

    @Test
    void aQuarterGigabyteHeapIsSharedOutSoThatNoVmCanFillIt() {
        Limits l = DefaultLimits.derive(SMALL, 2, 0, MSIZE);
        assertEquals(16 * MIB, l.xattrBytes(), "an eighth of the heap, shared by two VMs");
        assertEquals(16 * MIB, l.replyBytes());
        assertEquals(
                15,
                l.outstanding(),
                "half of the VM's 64 MiB for requests in flight, a request and a reply frame of 1 MiB + 4 KiB each");
        assertEquals(7, l.connections());
        assertEquals(16_384, l.fids());
        long heapPromised =
                2 * (l.xattrBytes() + l.fids() * DefaultLimits.FID_BYTES + l.locks() * DefaultLimits.LOCK_BYTES);
        assertTrue(heapPromised <= SMALL.maxHeap() / 2, "heap promised: " + heapPromised);
    }

    @Test
    void pendingXattrsStayAFewMegabytesWhateverTheHeap() {
        HostResources big = new HostResources(1 << 20, 100, 8L << 30, 8L << 30);
        assertEquals(16 * MIB, DefaultLimits.derive(big, 1, 0, MSIZE).xattrBytes());
        assertEquals(
                64 * 1024,
                DefaultLimits.derive(new HostResources(1024, 50, MIB / 2, MIB / 2), 2, 0, MSIZE)
                        .xattrBytes(),
                "room for one value of the largest size");
    }

    @Test
    void derivedLimitsRaiseNoWarningButOvercommittedOnesDo() {
        Budgets budgets = new Budgets(SMALL, MSIZE);
        Limits derived = DefaultLimits.derive(SMALL, 2, 0, MSIZE);
        budgets.add("a", derived, List.of("unix:/a"));
        budgets.add("b", derived, List.of("unix:/b"));
        assertEquals(List.of(), budgets.warnings());
        budgets.add("c", new Limits(64, 256, 1 << 20, 100_000, 1L << 40, 1000, 64 * MIB, 1), List.of("unix:/c"));
        assertEquals(3, budgets.warnings().size(), String.join("\n", budgets.warnings()));
    }

    @Test
    void aTlsListenersHandshakePlacesComeOutOfThePoolBeforeTheVmsShares() {
        Budgets budgets = new Budgets(SMALL, MSIZE, 1);
        Limits derived = DefaultLimits.derive(SMALL, 2, 1, MSIZE);
        budgets.add("a", derived, List.of());
        budgets.add("b", derived, List.of());
        long pool = DefaultLimits.descriptorPool(SMALL);
        assertEquals(4 * derived.connections(), budgets.handshakes().limit(), "twice the VMs' connections");
        assertEquals(
                pool - budgets.handshakes().limit(), budgets.descriptorPool().limit());
        assertEquals(List.of(), budgets.warnings(), "the derived limits fit what is left");
        budgets.handshakePlaces(); // the listener bound: set apart already
        assertEquals(4 * derived.connections(), budgets.handshakes().limit());
        Limits more = new Limits(
                derived.connections() + 10,
                derived.outstanding(),
                derived.fids(),
                derived.descriptors(),
                derived.xattrBytes(),
                derived.locks(),
                derived.replyBytes(),
                derived.weight());
        budgets.update(Map.of(budgets.vm("a").orElseThrow(), more));
        assertEquals(4 * derived.connections() + 20, budgets.handshakes().limit(), "a reload's connections count");
    }

    @Test
    void limitsThatFitThePoolButNotItsHandshakePlacesAreWarnedOfBeforeAnyListenerIsBound() {
        long pool = DefaultLimits.descriptorPool(SMALL);
        Budgets budgets = new Budgets(SMALL, MSIZE, 1);
        budgets.add("a", new Limits(2, 8, 256, pool - 2, 64 * 1024, 256, 4L * MSIZE, 1), List.of());
        assertEquals(1, budgets.warnings().size(), "the 4 handshake places: " + budgets.warnings());
        Budgets unixOnly = new Budgets(SMALL, MSIZE);
        unixOnly.add("a", new Limits(2, 8, 256, pool - 2, 64 * 1024, 256, 4L * MSIZE, 1), List.of("unix:/a"));
        assertEquals(List.of(), unixOnly.warnings());
        unixOnly.handshakePlaces(); // a tls: listener bound that the budgets were not told of
        assertEquals(4, unixOnly.handshakes().limit());
    }
}
