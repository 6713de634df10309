package io.p9gate.gateway.fs;

import io.p9gate.audit.DetailWords;
import io.p9gate.gateway.proto.P9Exception;
import java.util.List;

/**
 * What a request asks beyond its {@link Operation} and paths, typed: the decision reads these fields, never the
 * human-readable {@link #describe() description}, which exists only for the audit record (rewording it must not
 * change what is allowed). Each kind also knows which of its strings are guest-chosen names, checked once
 * before any decision ({@link #checkNames()}).
 */
public sealed interface RequestArgs {
    /**
     * How the audit record's detail shows these arguments (never read by a decision); guest-chosen text in it is a
     * {@link DetailWords#word}, so it cannot pose as a word of the writer's.
     */
    String describe();

    /** Refuses names no entry can have (EINVAL, ENAMETOOLONG) before the request is decided. */
    default void checkNames() throws P9Exception {}

    /** Nothing beyond the operation and its path (attach, getattr, statfs, readlink, fsync, clunk, xattr list). */
    record None() implements RequestArgs {
        @Override
        public String describe() {
            return "";
        }
    }

    RequestArgs NONE = new None();

    /** Twalk: the elements walked, in order ("." and ".." included). */
    record Walk(List<String> names) implements RequestArgs {
        public Walk {
            names = List.copyOf(names);
        }

        @Override
        public String describe() {
            return GuestNames.shownWalk(names);
        }

        @Override
        public void checkNames() throws P9Exception {
            for (String name : names) {
                GuestNames.checkWalkElement(name);
            }
        }
    }

    /** Tlopen with these host open flags. */
    record Open(int hostFlags) implements RequestArgs {
        @Override
        public String describe() {
            return flags(hostFlags);
        }
    }

    /**
     * Tlcreate of {@code name}. Without {@code exclusive} (O_EXCL) an existing file of that name is opened instead,
     * with these flags.
     */
    record Create(String name, int hostFlags, int mode, boolean exclusive) implements RequestArgs {
        /** {@code excl} marks O_EXCL, which the host flags leave out: replaying the record needs it (no open asked). */
        @Override
        public String describe() {
            return flags(hostFlags) + " mode=" + Integer.toOctalString(mode) + (exclusive ? " excl" : "");
        }

        @Override
        public void checkNames() throws P9Exception {
            GuestNames.checkEntry(name);
        }
    }

    /**
     * Tread, Twrite, Treaddir at {@code offset} of an opened file or directory; {@code syncsData}: a write through an
     * O_DSYNC/O_SYNC open, which returns once its data is on disk (so must its record,
     * {@link AuditEntry#mustBeOnDisk()}).
     */
    record FileIo(long offset, boolean syncsData) implements RequestArgs {
        public FileIo(long offset) {
            this(offset, false);
        }

        @Override
        public String describe() {
            return "offset=" + Long.toUnsignedString(offset); // u64 on the wire: 2^64-1 is not "-1"
        }
    }

    /**
     * Tread on a Txattrwalk fid, Twrite on a Txattrcreate fid: the value of attribute {@code name}, at the offset the
     * guest chose (a value is written in pieces, a read past its end refused), recorded as a file's is.
     */
    record XattrIo(String name, long offset) implements RequestArgs {
        @Override
        public String describe() {
            return "xattr " + DetailWords.word(name) + " offset=" + Long.toUnsignedString(offset);
        }
    }

    /** Txattrwalk of one attribute. */
    record Xattr(String name) implements RequestArgs {
        /** XATTR_NAME_MAX: a longer name is refused (ERANGE) by the call, and recorded by its length only. */
        private static final int NAME_MAX = 255;

        @Override
        public String describe() {
            return GuestNames.fits(name, NAME_MAX) ? DetailWords.word(name) : "name_bytes=" + GuestNames.bytes(name);
        }
    }

    /**
     * Txattrcreate, and the commit of its value at clunk: the size announced ({@code size=}, u64 as sent; 0 removes
     * the attribute) and the setxattr flags when there are any. A removal has no Twrite whose record would say it, and
     * a refused Txattrcreate comes before any: with the name alone a removal read as a set, and a refused removal was
     * counted as a repeat of a refused set.
     */
    record XattrSet(String name, long size, int flags) implements RequestArgs {
        @Override
        public String describe() {
            return new Xattr(name).describe() + " size=" + Long.toUnsignedString(size)
                    + (flags == 0 ? "" : " flags=0x" + Integer.toHexString(flags));
        }
    }

    /**
     * Tsetattr: which fields ({@code SetAttr.valid}) and, where the mask sets them, the owner and group asked for
     * (the record of a chown says to whom, the one of a refused chown which id the VM's map does not map).
     */
    record SetAttr(int valid, int uid, int gid) implements RequestArgs {
        static SetAttr of(io.p9gate.gateway.proto.SetAttr attr) {
            return new SetAttr(attr.valid(), attr.uid(), attr.gid());
        }

        @Override
        public String describe() {
            String text = "valid=0x" + Integer.toHexString(valid);
            if ((valid & io.p9gate.gateway.proto.SetAttr.SETATTR_UID) != 0) {
                text += " uid=" + Integer.toUnsignedString(uid);
            }
            if ((valid & io.p9gate.gateway.proto.SetAttr.SETATTR_GID) != 0) {
                text += " gid=" + Integer.toUnsignedString(gid);
            }
            return text;
        }
    }

    /** Tmkdir (directory true) or Tmknod of {@code name} with this mode (set-id bits already dropped). */
    record Make(String name, int mode, boolean directory, int major, int minor) implements RequestArgs {
        @Override
        public String describe() {
            String text = "mode=" + Integer.toOctalString(mode);
            // u32 on the wire, as the mapped device keeps them: a signed int would name a device nobody asked for.
            return directory
                    ? text
                    : text + " dev=" + Integer.toUnsignedString(major) + ":" + Integer.toUnsignedString(minor);
        }

        @Override
        public void checkNames() throws P9Exception {
            GuestNames.checkEntry(name);
        }
    }

    /** Tsymlink: the new link {@code name}; {@code target} is text, never a path of the share. */
    record Symlink(String name, String target) implements RequestArgs {
        @Override
        public String describe() {
            return GuestNames.fits(target, GuestNames.SYMLINK_TARGET_MAX)
                    ? GuestNames.shownTarget(target)
                    : "target_bytes=" + GuestNames.bytes(target);
        }

        @Override
        public void checkNames() throws P9Exception {
            GuestNames.checkEntry(name);
            GuestNames.checkSymlinkTarget(target);
        }
    }

    /**
     * Tlink and Trename (the new name), Trenameat (the old name, then the new one): directory entries named.
     * {@code directory}: a rename's source is a directory (the policy decides what it carries along; the record
     * says {@code dir}, so that {@code policy replay} asks the same).
     */
    record EntryNames(List<String> names, boolean directory) implements RequestArgs {
        public EntryNames {
            names = List.copyOf(names);
        }

        public EntryNames(List<String> names) {
            this(names, false);
        }

        @Override
        public String describe() {
            return directory ? "dir" : "";
        }

        @Override
        public void checkNames() throws P9Exception {
            for (String name : names) {
                GuestNames.checkEntry(name);
            }
        }
    }

    /** Tunlinkat of {@code name}; {@code directory} is AT_REMOVEDIR. */
    record Unlink(String name, boolean directory) implements RequestArgs {
        @Override
        public String describe() {
            return directory ? "dir" : "";
        }

        @Override
        public void checkNames() throws P9Exception {
            GuestNames.checkEntry(name);
        }
    }

    /**
     * Tremove through a fid holding an xattr value being written (Txattrcreate): the value, never set, goes with the
     * fid; the record says which, as the log holds the value's writes.
     */
    record RemoveDroppingXattr(String xattr) implements RequestArgs {
        @Override
        public String describe() {
            return "dropped_xattr=" + DetailWords.word(xattr);
        }
    }

    /**
     * Tlock and Tgetlock: the lock type and byte range, and the guest's client_id (its host name).
     * A Tlock of a write lock also asks the write access an open for writing would. {@code withoutWriteOpen}: one
     * through a fid not open for writing (shown {@code opened=read}, for the operator: its open asked no write).
     */
    record Lock(int type, long start, long length, String clientId, boolean withoutWriteOpen) implements RequestArgs {
        /** A Tgetlock, a read lock, an unlock, or a lock through a fid open for writing. */
        public Lock(int type, long start, long length, String clientId) {
            this(type, start, length, clientId, false);
        }

        @Override
        public String describe() {
            // u64 on the wire, as the offsets: a refused start of 2^64-1 was recorded as "start=-1".
            return "type=" + type + " start=" + Long.toUnsignedString(start) + " length="
                    + Long.toUnsignedString(length) + (withoutWriteOpen ? " opened=read" : "");
        }

        @Override
        public void checkNames() throws P9Exception {
            GuestNames.checkLockClient(clientId);
        }
    }

    private static String flags(int hostFlags) {
        return "flags=0x" + Integer.toHexString(hostFlags);
    }
}
