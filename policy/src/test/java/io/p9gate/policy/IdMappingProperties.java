package io.p9gate.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.policy.ids.IdMapping;
import io.p9gate.policy.ids.IdRange;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Assume;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

/** R-POL-5: range mapping is a bijection on its ranges; everything else becomes the overflow id. */
class IdMappingProperties {

    /** Two ranges that never overlap: the second starts after the first on both sides. */
    @Provide
    Arbitrary<IdMapping> mappings() {
        Arbitrary<Long> start = Arbitraries.longs().between(0, 1_000_000);
        Arbitrary<Long> count = Arbitraries.longs().between(1, 70_000);
        return Combinators.combine(
                        start, start, count, count, Arbitraries.longs().between(0, 5_000))
                .as((g, h, c1, c2, gap) -> IdMapping.ranges(
                        List.of(new IdRange(g, h, c1), new IdRange(g + c1 + gap, h + c1 + gap * 2, c2)), 65534));
    }

    @Property
    void guestIdsInRangesRoundTrip(
            @ForAll("mappings") IdMapping m,
            @ForAll @LongRange(min = 0, max = 80_000) long offset,
            @ForAll boolean second) {
        IdRange r = m.ranges().get(second ? 1 : 0);
        Assume.that(offset < r.count());
        long guest = r.guestStart() + offset;
        long host = m.toHost(guest);
        assertEquals(r.hostStart() + offset, host);
        assertEquals(guest, m.toGuest(host));
        assertTrue(m.isMapped(guest));
    }

    @Property
    void idsOutsideRangesOverflow(
            @ForAll("mappings") IdMapping m, @ForAll @LongRange(min = 0, max = 2_000_000) long id) {
        boolean inGuest = m.ranges().stream().anyMatch(r -> id >= r.guestStart() && id < r.guestStart() + r.count());
        boolean inHost = m.ranges().stream().anyMatch(r -> id >= r.hostStart() && id < r.hostStart() + r.count());
        if (!inGuest) assertEquals(65534, m.toHost(id));
        if (!inHost) assertEquals(65534, m.toGuest(id));
        assertEquals(inGuest, m.isMapped(id));
    }

    /** A file may be given only an id the map maps (as in a user namespace); a map of nothing refuses none. */
    @Property
    void onlyMappedIdsMayOwnFiles(
            @ForAll("mappings") IdMapping m, @ForAll @LongRange(min = 0, max = 2_000_000) long id) {
        assertEquals(m.isMapped(id), m.mayOwn(id));
        assertFalse(m.mayOwn(IdRange.MAX_ID + 1), "(u32)-1 is no id");
        assertTrue(IdMapping.ranges(List.of(), 65534).mayOwn(id), "no map: today's overflow, refused nowhere");
        assertTrue(IdMapping.squashTo(3100, 65534).mayOwn(id), "a squash maps every id on purpose");
        assertFalse(IdMapping.squashTo(3100, 65534).mayOwn(IdRange.MAX_ID + 1));
    }

    @Property
    void squashSendsEveryGuestIdToOneHostId(@ForAll @LongRange(min = 0, max = IdRange.MAX_ID) long guest) {
        IdMapping m = IdMapping.squashTo(1000, 65534);
        assertEquals(1000, m.toHost(guest));
        assertEquals(1000, m.toGuest(1000));
        assertFalse(m.isMapped(guest));
        if (guest != 1000) assertEquals(65534, m.toGuest(guest));
    }

    @Test
    void overlappingRangesAreRefused() {
        assertThrows(
                IllegalArgumentException.class,
                () -> IdMapping.ranges(List.of(new IdRange(0, 1000, 10), new IdRange(5, 5000, 10)), 65534));
        assertThrows(
                IllegalArgumentException.class,
                () -> IdMapping.ranges(List.of(new IdRange(0, 1000, 10), new IdRange(100, 1005, 10)), 65534));
        assertThrows(IllegalArgumentException.class, () -> new IdRange(0, IdRange.MAX_ID, 2));
    }
}
