package io.p9gate.policy.ids;

import java.util.List;

/** A VM's uid and gid mappings (R-POL-5). Default-deny spirit: without a mapping, everyone is overflow. */
public record IdMap(IdMapping uids, IdMapping gids) {

    /** No mapped ids: every guest id becomes the overflow id. */
    public static final IdMap NOBODY = new IdMap(
            IdMapping.ranges(List.of(), IdMapping.DEFAULT_OVERFLOW),
            IdMapping.ranges(List.of(), IdMapping.DEFAULT_OVERFLOW));

    public long uidToHost(long guestUid) {
        return uids.toHost(guestUid);
    }

    public long uidToGuest(long hostUid) {
        return uids.toGuest(hostUid);
    }

    public long gidToHost(long guestGid) {
        return gids.toHost(guestGid);
    }

    public long gidToGuest(long hostGid) {
        return gids.toGuest(hostGid);
    }

    /**
     * Whether both ids are mapped ({@link IdMapping#maps}): a request of an id left to the overflow id would act as
     * the host id every VM's unmapped ids, every VM without a map and any squash to it share.
     */
    public boolean maps(long guestUid, long guestGid) {
        return uids.maps(guestUid) && gids.maps(guestGid);
    }
}
