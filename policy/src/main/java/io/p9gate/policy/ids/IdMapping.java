package io.p9gate.policy.ids;

import java.util.List;

/**
 * How one kind of id (uids or gids) crosses between guest and host (R-POL-5). Either ranges
 * (a bijection on the ranges' union; other ids go to {@code overflow}) or a squash, where every guest id
 * becomes the single host id {@code squash} and, going back, that host id shows as itself and every
 * other host id as {@code overflow}.
 */
public record IdMapping(List<IdRange> ranges, Long squash, long overflow) {

    /**
     * (u32)-2, NFS's old nfsnobody: an id no guest or host process runs as. The guest kernel checks access against
     * the owner it is shown, and 65534 is the guest's own nobody wherever the map covers it (the usual {@code {guest:
     * 0, count: 65536}} does), so with it guest nobody owned host root's and other VMs' files. Going to the host
     * (a VM without a map) it keeps what the VM makes away from the host's nobody too.
     */
    public static final long DEFAULT_OVERFLOW = IdRange.MAX_ID;

    /** The identity on every id, for trusted development setups only. */
    public static final IdMapping IDENTITY =
            new IdMapping(List.of(new IdRange(0, 0, IdRange.MAX_ID + 1)), null, DEFAULT_OVERFLOW);

    public IdMapping {
        ranges = List.copyOf(ranges);
        if (squash != null && !ranges.isEmpty())
            throw new IllegalArgumentException("squash and ranges exclude each other");
        if (squash != null && (squash < 0 || squash > IdRange.MAX_ID))
            throw new IllegalArgumentException("squash id outside 0.." + IdRange.MAX_ID);
        if (overflow < 0 || overflow > IdRange.MAX_ID)
            throw new IllegalArgumentException("overflow id outside 0.." + IdRange.MAX_ID);
        for (int i = 0; i < ranges.size(); i++) {
            for (int j = i + 1; j < ranges.size(); j++) {
                if (ranges.get(i).overlapsGuest(ranges.get(j)))
                    throw new IllegalArgumentException("id ranges " + i + " and " + j + " overlap on the guest side");
                if (ranges.get(i).overlapsHost(ranges.get(j)))
                    throw new IllegalArgumentException("id ranges " + i + " and " + j + " overlap on the host side");
            }
        }
    }

    public static IdMapping ranges(List<IdRange> ranges, long overflow) {
        return new IdMapping(ranges, null, overflow);
    }

    public static IdMapping squashTo(long hostId, long overflow) {
        return new IdMapping(List.of(), hostId, overflow);
    }

    public long toHost(long guestId) {
        if (squash != null) return squash;
        for (IdRange r : ranges) if (r.holdsGuest(guestId)) return r.hostStart() + (guestId - r.guestStart());
        return overflow;
    }

    public long toGuest(long hostId) {
        if (squash != null) return hostId == squash ? squash : overflow;
        for (IdRange r : ranges) if (r.holdsHost(hostId)) return r.guestStart() + (hostId - r.hostStart());
        return overflow;
    }

    /**
     * Whether the mapping chose a host id for this guest id on purpose: it lies in a range, or every guest id is
     * squashed. Only an id left to {@code overflow} is not mapped.
     */
    public boolean maps(long guestId) {
        if (squash != null) return true;
        // Asked for every request: a loop, no stream to allocate.
        for (IdRange r : ranges) if (r.holdsGuest(guestId)) return true;
        return false;
    }

    /**
     * Whether a file may be given this guest id as its owner (or group), as a user namespace allows only ids its map
     * holds (chown(2): EINVAL; creating as an unmapped fsuid/fsgid: EOVERFLOW). A mapping that maps nothing (no
     * ranges, no squash: every id is the overflow id, as for a VM without {@code ids}) refuses none, as before; any
     * other refuses what it leaves to the overflow id, which every VM's unmapped ids share, and
     * (u32)-1, which is no id at all ({@link IdRange#MAX_ID}), even under a squash.
     */
    public boolean mayOwn(long guestId) {
        if (squash == null && ranges.isEmpty()) return true;
        return guestId >= 0 && guestId <= IdRange.MAX_ID && maps(guestId);
    }

    /**
     * Whether this host id is one the mapping gives a guest id to (in a range, or the squash id): any other shows
     * as the overflow id, and the guest cannot tell whose it is.
     */
    public boolean mapsHost(long hostId) {
        if (squash != null) return hostId == squash;
        for (IdRange r : ranges) if (r.holdsHost(hostId)) return true;
        return false;
    }

    /** Whether a guest id maps to a host id of its own (not squashed, not overflowed). */
    public boolean isMapped(long guestId) {
        return squash == null && ranges.stream().anyMatch(r -> r.holdsGuest(guestId));
    }
}
