package io.p9gate.gateway.proto;

/**
 * File attributes as Rgetattr carries them (9P2000.L). {@code valid} says which fields are
 * meaningful (GETATTR_* bits); ids are the guest's view after uid/gid mapping.
 */
public record Attr(
        long valid,
        Qid qid,
        int mode,
        int uid,
        int gid,
        long nlink,
        long rdev,
        long size,
        long blksize,
        long blocks,
        long atimeSec,
        long atimeNsec,
        long mtimeSec,
        long mtimeNsec,
        long ctimeSec,
        long ctimeNsec,
        long btimeSec,
        long btimeNsec,
        long gen,
        long dataVersion) {

    public static final long GETATTR_MODE = 0x00000001L;
    public static final long GETATTR_NLINK = 0x00000002L;
    public static final long GETATTR_UID = 0x00000004L;
    public static final long GETATTR_GID = 0x00000008L;
    public static final long GETATTR_RDEV = 0x00000010L;
    public static final long GETATTR_ATIME = 0x00000020L;
    public static final long GETATTR_MTIME = 0x00000040L;
    public static final long GETATTR_CTIME = 0x00000080L;
    public static final long GETATTR_INO = 0x00000100L;
    public static final long GETATTR_SIZE = 0x00000200L;
    public static final long GETATTR_BLOCKS = 0x00000400L;
    public static final long GETATTR_BTIME = 0x00000800L;
    public static final long GETATTR_GEN = 0x00001000L;
    public static final long GETATTR_DATA_VERSION = 0x00002000L;
    /** Mask for basic fields (mode through blocks). */
    public static final long GETATTR_BASIC = 0x000007ffL;

    public static final long GETATTR_ALL = 0x00003fffL;
}
