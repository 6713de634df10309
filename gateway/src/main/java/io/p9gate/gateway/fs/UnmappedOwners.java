package io.p9gate.gateway.fs;

import io.p9gate.gateway.backend.FileStat;
import io.p9gate.gateway.backend.Inodes;
import io.p9gate.gateway.backend.Node;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.SetAttr;

/**
 * What a user namespace refuses, where a VM has an {@code ids} map (docs/policy.md, "uid/gid mapping"): a file is
 * never given an owner or group the map leaves to the overflow id, which every VM's unmapped ids
 * share. A chown to (u32)-1 is refused with or without a map. Asked before anything changes; the caller records the refusal by the share's unmapped-owner rule.
 */
final class UnmappedOwners {
    private static final int S_ISGID = 02000;
    /** (u32)-1: chown(2)'s "leave unchanged", no id. */
    private static final int NO_ID = -1;

    private UnmappedOwners() {}

    /**
     * A new entry of the request's guest uid (its fid's) and gid: EOVERFLOW, what Linux answers a create whose fsuid
     * or fsgid its namespace does not map; null if the map holds both.
     */
    static Errno creating(IdTranslation ids, int uid, int gid) {
        return ids.mayOwnUid(uid) && ids.mayOwnGid(gid) ? null : Errno.EOVERFLOW;
    }

    /**
     * Whether {@code gid} is the group of the set-gid directory {@code dir} as the guest is shown it, where the VM's map
     * does not name its host group (the overflow id): what the Linux client names as a new entry's group there. False
     * where the directory cannot be read (the create is refused as any other). One stat, asked only for a gid the map
     * does not hold.
     */
    static boolean namesSetGidGroup(Ownership ownership, Node dir, int gid) {
        try {
            FileStat host = Inodes.stat(dir);
            FileStat shown = ownership.shown(dir, host);
            return (shown.mode() & S_ISGID) != 0 && shown.gid() == gid && !ownership.mapsHostOwner(dir, host, true);
        } catch (P9Exception unreadable) {
            return false;
        }
    }

    /**
     * {@code attr} without the owner (group) field that names the id the guest is shown for a file whose host owner
     * (group) the VM's map does not name (the overflow id): busybox's chown and chgrp call chown(2) with the shown id in
     * the field the user leaves alone (not -1), and the Linux client sends it with both bits set. With ranges that field was refused ({@link #chowning});
     * without a map or under a squash, where such an id is allowed, it gave a host user's file to the overflow or the
     * squash id. Left unchanged, it gives the file no id. One stat, asked only for an id no mapped host id shows as;
     * (u32)-1 stays refused, and a file that cannot be read is changed as asked.
     */
    static SetAttr leavingShownIds(Ownership ownership, Node node, SetAttr attr) {
        IdTranslation ids = ownership.ids();
        boolean uid = attr.has(SetAttr.SETATTR_UID) && attr.uid() != NO_ID && !showsMappedUid(ids, attr.uid());
        boolean gid = attr.has(SetAttr.SETATTR_GID) && attr.gid() != NO_ID && !showsMappedGid(ids, attr.gid());
        if (!uid && !gid) {
            return attr;
        }
        boolean keepUid;
        boolean keepGid;
        try {
            FileStat host = Inodes.stat(node);
            FileStat shown = ownership.shown(node, host);
            keepUid = uid && shown.uid() == attr.uid() && !ownership.mapsHostOwner(node, host, false);
            keepGid = gid && shown.gid() == attr.gid() && !ownership.mapsHostOwner(node, host, true);
        } catch (P9Exception unreadable) {
            return attr;
        }
        if (!keepUid && !keepGid) {
            return attr;
        }
        int kept = (keepUid ? SetAttr.SETATTR_UID : 0) | (keepGid ? SetAttr.SETATTR_GID : 0);
        return new SetAttr(
                attr.valid() & ~kept,
                attr.mode(),
                keepUid ? NO_ID : attr.uid(),
                keepGid ? NO_ID : attr.gid(),
                attr.size(),
                attr.atimeSec(),
                attr.atimeNsec(),
                attr.mtimeSec(),
                attr.mtimeNsec());
    }

    /**
     * Whether {@code uid} is what a host uid the map names shows as, and not the overflow id: then no file of an
     * unmapped owner shows it. An overflow the map also maps (guest 500 under {@code overflow: 500}) shows both.
     */
    private static boolean showsMappedUid(IdTranslation ids, int uid) {
        int host = ids.uidToHost(uid);
        return uid != ids.overflowUid() && ids.mapsHostUid(host) && ids.uidToGuest(host) == uid;
    }

    /** As {@link #showsMappedUid}, for a group. */
    private static boolean showsMappedGid(IdTranslation ids, int gid) {
        int host = ids.gidToHost(gid);
        return gid != ids.overflowGid() && ids.mapsHostGid(host) && ids.gidToGuest(host) == gid;
    }

    /**
     * A Tsetattr's owner and group, each only where its mask sets it (the Linux client sends -1 in a field it does not
     * set): EINVAL, what chown(2) answers for an id the namespace does not map; null if it gives none or mapped ones.
     * With its bit set, (u32)-1 is such an id too, with or without a map: no map holds it, and the host's chown(-1)
     * would change nothing while the record said the owner was given (9P2000.u cannot name it: n_uid -1 is "don't
     * touch", the text "4294967295" is refused).
     */
    static Errno chowning(IdTranslation ids, SetAttr attr) {
        boolean uid = !attr.has(SetAttr.SETATTR_UID) || attr.uid() != NO_ID && ids.mayOwnUid(attr.uid());
        boolean gid = !attr.has(SetAttr.SETATTR_GID) || attr.gid() != NO_ID && ids.mayOwnGid(attr.gid());
        return uid && gid ? null : Errno.EINVAL;
    }
}
