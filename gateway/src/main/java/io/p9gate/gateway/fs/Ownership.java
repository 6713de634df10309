package io.p9gate.gateway.fs;

import io.p9gate.gateway.backend.FileStat;
import io.p9gate.gateway.backend.Node;
import io.p9gate.gateway.proto.P9Exception;

/**
 * Where a file's owner, group and mode live for the guest (R-POL-5): on the host inode, with the
 * guest's ids mapped (the gateway chowns, {@link ChownedIds}), or in extended attributes of the
 * inode, like QEMU's mapped-xattr, so an unprivileged gateway can keep them ({@link XattrIds}).
 * Every method takes and gives the guest's ids.
 */
public sealed interface Ownership permits ChownedIds, XattrIds, MappedSpecialFiles {
    /** Extended attributes under this prefix hold ownership: a guest may neither read nor set them. */
    String RESERVED_XATTR_PREFIX = "user.p9gate.";

    /**
     * A file the guest just created, as guest uid/gid with the mode it asked for.
     *
     * @param made the stat taken when it was created (its owner has not changed since), or null if none was: a
     *             create that has one saves a statx (issue 11)
     */
    void created(Node node, FileStat made, int uid, int gid, int mode) throws P9Exception;

    /** The VM's id mapping: also which guest ids a file may be given ({@link IdTranslation#mayOwnUid}). */
    IdTranslation ids();

    /** Tsetattr of owner and/or group; -1 leaves one unchanged. */
    void chown(Node node, int uid, int gid) throws P9Exception;

    /** Tsetattr of the permission bits. */
    void chmod(Node node, int mode) throws P9Exception;

    /**
     * Refuses, changing nothing, a {@link #chmod} this ownership refuses whatever the mode: checked before any field
     * of a Tsetattr or the rename of a Twstat is made. None by default.
     */
    default void requireChmod(Node node) throws P9Exception {}

    /** The stat the guest sees: its own ids (and, where kept apart, its mode). */
    FileStat shown(Node node, FileStat host) throws P9Exception;

    /**
     * Whether the VM's map names the host owner ({@code group}: the host group) that {@link #shown} shows: where it
     * does not, the guest sees the overflow id and cannot tell whose the file is. Asked for a set-id file (its stat
     * too), and for a chown or a new entry's group naming the id a file is shown as ({@link UnmappedOwners}), not for
     * every stat: where ids are kept apart it reads xattrs.
     */
    boolean mapsHostOwner(Node node, FileStat host, boolean group) throws P9Exception;

    /**
     * {@code host} with the host owner and group this ownership gives the file, whose change clears kept set-id bits
     * ({@link SetIdBits}): the inode's, or the stored ones where they are kept apart ({@link XattrIds}).
     */
    FileStat owned(Node node, FileStat host) throws P9Exception;

    static boolean reserved(String xattrName) {
        return xattrName.startsWith(RESERVED_XATTR_PREFIX);
    }
}
