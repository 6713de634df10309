package io.p9gate.gateway.fs;

import io.p9gate.gateway.backend.Inodes;
import io.p9gate.gateway.backend.Node;
import io.p9gate.gateway.backend.ShareRoot;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.SetAttr;

/** Applies a Tsetattr to a handle: mode, owner (guest ids, see {@link Ownership}), size, then times (QEMU's order). */
final class AttrChanges {
    private AttrChanges() {}

    /**
     * What Linux refuses before it applies any field of a setattr: the values ({@link SetAttr#checkValues}) and a
     * size for what cannot be truncated (truncate(2): EISDIR for a directory, EINVAL for anything but a regular
     * file). Checked first, so that a refused Tsetattr leaves the mode and owner it also asked for unchanged.
     */
    static void check(Node node, SetAttr attr) throws P9Exception {
        attr.checkValues();
        if (attr.has(SetAttr.SETATTR_SIZE)) {
            switch (node.type()) {
                case REGULAR -> {}
                case DIRECTORY -> throw new P9Exception(Errno.EISDIR, "truncate a directory");
                case SYMLINK, FIFO, SOCKET, CHAR_DEVICE, BLOCK_DEVICE ->
                    throw new P9Exception(Errno.EINVAL, "truncate a " + node.type());
            }
        }
    }

    /** {@code uid}: the guest user asking, for the set-id bits a truncate clears ({@link SetIdBits}). */
    static void apply(ShareRoot share, Node node, SetAttr attr, Ownership ownership, int uid) throws P9Exception {
        SetIdBits.GuestMode guestMode =
                () -> ownership.shown(node, Inodes.stat(node)).mode();
        if (attr.has(SetAttr.SETATTR_MODE)) {
            ownership.chmod(node, GuestModes.allowed(node.isDirectory(), attr.mode()));
            SetIdBits.chmodded(share, node, attr.mode());
        }
        if (attr.has(SetAttr.SETATTR_UID) || attr.has(SetAttr.SETATTR_GID)) {
            ownership.chown(
                    node,
                    attr.has(SetAttr.SETATTR_UID) ? attr.uid() : -1,
                    attr.has(SetAttr.SETATTR_GID) ? attr.gid() : -1);
            SetIdBits.chowned(share, node, guestMode);
        }
        if (attr.has(SetAttr.SETATTR_SIZE)) {
            Inodes.truncate(node, attr.size());
            SetIdBits.modified(share, node, uid, guestMode);
        }
        Inodes.Timestamp atime =
                time(attr, SetAttr.SETATTR_ATIME, SetAttr.SETATTR_ATIME_SET, attr.atimeSec(), attr.atimeNsec());
        Inodes.Timestamp mtime =
                time(attr, SetAttr.SETATTR_MTIME, SetAttr.SETATTR_MTIME_SET, attr.mtimeSec(), attr.mtimeNsec());
        if (atime != null || mtime != null) {
            Inodes.setTimes(node, atime, mtime);
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
