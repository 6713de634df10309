package io.p9gate.gateway.fs;

/** A VM's uid/gid mapping between the guest's ids and the host's (R-POL-5). Must be thread-safe. */
public interface IdTranslation {
    /** Host ids are guest ids: what the gateway does without a policy. */
    IdTranslation IDENTITY = new IdTranslation() {
        @Override
        public int uidToHost(int guestUid) {
            return guestUid;
        }

        @Override
        public int gidToHost(int guestGid) {
            return guestGid;
        }

        @Override
        public int uidToGuest(int hostUid) {
            return hostUid;
        }

        @Override
        public int gidToGuest(int hostGid) {
            return hostGid;
        }

        @Override
        public boolean mayOwnUid(int guestUid) {
            return true;
        }

        @Override
        public boolean mayOwnGid(int guestGid) {
            return true;
        }

        @Override
        public boolean mapsHostUid(int hostUid) {
            return true;
        }

        @Override
        public boolean mapsHostGid(int hostGid) {
            return true;
        }

        @Override
        public int overflowUid() {
            return -1;
        }

        @Override
        public int overflowGid() {
            return -1;
        }
    };

    int uidToHost(int guestUid);

    int gidToHost(int guestGid);

    int uidToGuest(int hostUid);

    int gidToGuest(int hostGid);

    /**
     * Whether a file may be given this owner: only a uid the VM's map maps, as a user namespace allows, never (u32)-1
     * (docs/policy.md, "uid/gid mapping"); a VM that maps no uid refuses none.
     */
    boolean mayOwnUid(int guestUid);

    /** As {@link #mayOwnUid}, for a file's group. */
    boolean mayOwnGid(int guestGid);

    /**
     * Whether the VM's map gives this host uid a guest uid; any other (another VM's, the host's) shows as the overflow
     * id, whose owner the guest cannot tell.
     */
    boolean mapsHostUid(int hostUid);

    /** As {@link #mapsHostUid}, for a group. */
    boolean mapsHostGid(int hostGid);

    /**
     * The guest uid a host uid the map does not name shows as (the overflow id), which may also be a guest uid the map
     * maps ({@code policy check} warns); (u32)-1 where the map names every host uid.
     */
    int overflowUid();

    /** As {@link #overflowUid}, for a group. */
    int overflowGid();
}
