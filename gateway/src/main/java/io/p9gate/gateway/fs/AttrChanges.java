package io.p9gate.gateway.fs;

import io.p9gate.gateway.backend.FileType;
import io.p9gate.gateway.backend.Inodes;
import io.p9gate.gateway.backend.Node;
import io.p9gate.gateway.backend.ShareRoot;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.SetAttr;

/**
 * Applies a Tsetattr to a handle, as near to all-or-nothing as the host allows (Linux's notify_change checks every
 * field before it changes any). What can be refused without changing anything is checked first ({@link #check});
 * then the size, through the quota (the one field a limit refuses, the one that cannot be taken back, and the one
 * a host file system refuses for its size, EFBIG), then the owner, the mode (after the owner, so a mode asked with
 * an owner keeps its set-id bits, as Linux's setattr_copy applies the mode asked) and the times. A field refused
 * after an earlier one was made (a share with {@code permissions: enforce}: a guest user may truncate a file it
 * may write but not chmod it) fails the request with that errno, and its outcome record says which fields the host
 * kept ({@code applied=0x8}, the SETATTR_* bits), like diod, which also stops at the first failing call.
 */
final class AttrChanges {
    private AttrChanges() {}

    /** Runs a truncate through the quota accounting (which refuses, before it, a size past the quota). */
    @FunctionalInterface
    interface Resizing {
        void resize(QuotaAccounting.Call<Void> truncate) throws P9Exception;
    }

    /**
     * What Linux refuses before it applies any field of a setattr: the values ({@link SetAttr#checkValues}), a
     * size for what cannot be truncated (truncate(2): EISDIR for a directory, EINVAL for anything but a regular
     * file), a mode of a symlink (fchmodat(2) AT_SYMLINK_NOFOLLOW: EOPNOTSUPP), and a mode or owner of a host
     * device node ({@link Inodes}: EPERM), and a mode the share's {@link Ownership} refuses (another VM's mapped
     * special file: EPERM). Checked first, so that a refused Tsetattr changes none of the other fields it also asked
     * for.
     */
    static void check(Node node, SetAttr attr, Ownership ownership) throws P9Exception {
        attr.checkValues();
        if (attr.has(SetAttr.SETATTR_SIZE)) {
            switch (node.type()) {
                case REGULAR -> {}
                case DIRECTORY -> throw new P9Exception(Errno.EISDIR, "truncate a directory");
                case SYMLINK, FIFO, SOCKET, CHAR_DEVICE, BLOCK_DEVICE ->
                    throw new P9Exception(Errno.EINVAL, "truncate a " + node.type());
            }
        }
        boolean device = node.type() == FileType.CHAR_DEVICE || node.type() == FileType.BLOCK_DEVICE;
        if (attr.has(SetAttr.SETATTR_MODE) && node.type() == FileType.SYMLINK) {
            throw new P9Exception(Errno.EOPNOTSUPP, "chmod on a symlink");
        }
        if (device && (attr.has(SetAttr.SETATTR_MODE | SetAttr.SETATTR_UID | SetAttr.SETATTR_GID))) {
            throw new P9Exception(Errno.EPERM, "chmod or chown of a host device node");
        }
        if (attr.has(SetAttr.SETATTR_MODE)) {
            ownership.requireChmod(node);
            SetIdBits.requireGrantable(node, attr, ownership);
        }
    }

    /** {@code uid}: the guest user asking, for the set-id bits a truncate clears ({@link SetIdBits}). */
    static void apply(ShareRoot share, Node node, SetAttr attr, Ownership ownership, int uid, Resizing resizing)
            throws P9Exception {
        SetIdBits.GuestMode guestMode =
                () -> ownership.shown(node, Inodes.stat(node)).mode();
        int[] applied = {0};
        try {
            if (attr.has(SetAttr.SETATTR_SIZE)) {
                resizing.resize(() -> {
                    SetIdBits.truncating(share, node, Inodes.stat(node), ownership)
                            .forChange(() -> {
                                Inodes.truncate(node, attr.size());
                                return null;
                            });
                    applied[0] |= SetAttr.SETATTR_SIZE;
                    SetIdBits.modified(share, node, uid, ownership);
                    return null;
                });
            }
            if (attr.has(SetAttr.SETATTR_UID) || attr.has(SetAttr.SETATTR_GID)) {
                ownership.chown(
                        node,
                        attr.has(SetAttr.SETATTR_UID) ? attr.uid() : -1,
                        attr.has(SetAttr.SETATTR_GID) ? attr.gid() : -1);
                applied[0] |= attr.valid() & (SetAttr.SETATTR_UID | SetAttr.SETATTR_GID);
                SetIdBits.chowned(share, node, guestMode, ownership);
            }
            if (attr.has(SetAttr.SETATTR_MODE)) {
                ownership.chmod(node, GuestModes.allowed(node.isDirectory(), attr.mode()));
                applied[0] |= SetAttr.SETATTR_MODE;
                SetIdBits.chmodded(share, node, attr.mode(), ownership);
            }
            Inodes.Timestamp atime =
                    time(attr, SetAttr.SETATTR_ATIME, SetAttr.SETATTR_ATIME_SET, attr.atimeSec(), attr.atimeNsec());
            Inodes.Timestamp mtime =
                    time(attr, SetAttr.SETATTR_MTIME, SetAttr.SETATTR_MTIME_SET, attr.mtimeSec(), attr.mtimeNsec());
            if (atime != null || mtime != null) {
                Inodes.setTimes(node, atime, mtime);
            }
        } catch (P9Exception e) {
            if (applied[0] == 0 || e instanceof PartlyApplied) {
                throw e;
            }
            throw new PartlyApplied(e, "applied=0x" + Integer.toHexString(applied[0]));
        }
    }
    /** null: leave unchanged; NOW: the server's clock; else the time the guest gave. */
    private static Inodes.Timestamp time(SetAttr attr, int bit, int explicitBit, long sec, long nsec) {
        if (!attr.has(bit)) {
            return null;
        }
        return attr.has(explicitBit) ? new Inodes.Timestamp(sec, nsec) : Inodes.NOW;
    }
}
