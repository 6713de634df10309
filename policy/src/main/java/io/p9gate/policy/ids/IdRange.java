package io.p9gate.policy.ids;

/**
 * A contiguous block of ids mapped like a user-namespace line: guest ids
 * [guestStart, guestStart+count) are host ids [hostStart, hostStart+count).
 */
public record IdRange(long guestStart, long hostStart, long count) {

    /** Largest valid id: 9P and Linux ids are u32 and (u32)-1 means "no id". */
    public static final long MAX_ID = 0xFFFF_FFFEL;

    public IdRange {
        if (count < 1) throw new IllegalArgumentException("id range count must be at least 1");
        // Compared as "count fits after start", never as start + count: that sum overflowed a long for a huge count
        // and let a range reaching 4294967295 ((uid_t)-1, "no change" to setfsuid) and beyond through.
        if (guestStart < 0 || guestStart > MAX_ID || count - 1 > MAX_ID - guestStart)
            throw new IllegalArgumentException("guest id range outside 0.." + MAX_ID);
        if (hostStart < 0 || hostStart > MAX_ID || count - 1 > MAX_ID - hostStart)
            throw new IllegalArgumentException("host id range outside 0.." + MAX_ID);
    }

    boolean holdsGuest(long id) {
        return id >= guestStart && id - guestStart < count;
    }

    public boolean holdsHost(long id) {
        return id >= hostStart && id - hostStart < count;
    }

    boolean overlapsGuest(IdRange o) {
        return guestStart < o.guestStart + o.count && o.guestStart < guestStart + count;
    }

    boolean overlapsHost(IdRange o) {
        return hostStart < o.hostStart + o.count && o.hostStart < hostStart + count;
    }
}
