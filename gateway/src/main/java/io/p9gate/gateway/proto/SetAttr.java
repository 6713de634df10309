package io.p9gate.gateway.proto;

/**
 * What Tsetattr asks to change; {@code valid} says which fields apply (SETATTR_* bits).
 * Ids are the guest's; the guarded layer maps them to host ids.
 */
public record SetAttr(
        int valid,
        int mode,
        int uid,
        int gid,
        long size,
        long atimeSec,
        long atimeNsec,
        long mtimeSec,
        long mtimeNsec) {
    public static final int SETATTR_MODE = 0x00000001;
    public static final int SETATTR_UID = 0x00000002;
    public static final int SETATTR_GID = 0x00000004;
    public static final int SETATTR_SIZE = 0x00000008;
    public static final int SETATTR_ATIME = 0x00000010;
    public static final int SETATTR_MTIME = 0x00000020;
    public static final int SETATTR_CTIME = 0x00000040;
    /** atime/mtime given explicitly (otherwise: set to the server's current time). */
    public static final int SETATTR_ATIME_SET = 0x00000080;

    public static final int SETATTR_MTIME_SET = 0x00000100;

    public boolean has(int bit) {
        return (valid & bit) != 0;
    }
}
