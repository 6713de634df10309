package io.p9gate.gateway.fs;

import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.SetAttr;

/**
 * What a user namespace refuses, asked where a VM has an {@code ids} map (docs/policy.md, "uid/gid mapping"): a file is
 * never given an owner or group the map leaves to the overflow id, which the host's nobody and every VM's unmapped ids
 * share. Asked before anything changes; the caller records the refusal by the share's unmapped-owner rule.
 */
final class UnmappedOwners {
    private UnmappedOwners() {}

    /**
     * A new entry of the request's guest uid (its fid's) and gid: EOVERFLOW, what Linux answers a create whose fsuid
     * or fsgid its namespace does not map; null if the map holds both.
     */
    static Errno creating(IdTranslation ids, int uid, int gid) {
        return ids.mayOwnUid(uid) && ids.mayOwnGid(gid) ? null : Errno.EOVERFLOW;
    }

    /**
     * A Tsetattr's owner and group, each only where its mask sets it (the Linux client sends -1 in a field it does not
     * set): EINVAL, what chown(2) answers for an id the namespace does not map; null if it gives none or mapped ones.
     * With its bit set, (u32)-1 is such an id too: no map holds it.
     */
    static Errno chowning(IdTranslation ids, SetAttr attr) {
        boolean uid = !attr.has(SetAttr.SETATTR_UID) || ids.mayOwnUid(attr.uid());
        boolean gid = !attr.has(SetAttr.SETATTR_GID) || ids.mayOwnGid(attr.gid());
        return uid && gid ? null : Errno.EINVAL;
    }
}
