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
    /** Every bit 9P2000.L defines; the Linux client sends no other (v9fs_mapped_iattr_valid). */
    public static final int SETATTR_DEFINED = 0x000001ff;

    public boolean has(int bit) {
        return (valid & bit) != 0;
    }

    /** The largest tv_nsec of a timespec utimensat(2) accepts as a time (not UTIME_NOW/UTIME_OMIT). */
    private static final long MAX_NSEC = 999_999_999L;

    /**
     * The checks of the fields' values alone that Linux makes before any of them is applied (notify_change applies
     * a setattr all at once): a size beyond 2^63 is EINVAL (truncate(2): negative length), as is a time given
     * explicitly whose nanoseconds are not 0..999,999,999 (utimensat(2)). The guest's kernel never sends either; a
     * hostile guest's must fail before the mode or owner it also asks for is changed, or the host would keep a
     * change its Rlerror denies.
     */
    public void checkValues() throws P9Exception {
        if (has(SETATTR_SIZE) && size < 0) {
            throw new P9Exception(Errno.EINVAL, "setattr size beyond 2^63: " + Long.toUnsignedString(size));
        }
        checkTime(SETATTR_ATIME, SETATTR_ATIME_SET, atimeNsec, "atime");
        checkTime(SETATTR_MTIME, SETATTR_MTIME_SET, mtimeNsec, "mtime");
    }

    private void checkTime(int bit, int explicitBit, long nsec, String which) throws P9Exception {
        if (has(bit) && has(explicitBit) && (nsec < 0 || nsec > MAX_NSEC)) {
            throw new P9Exception(
                    Errno.EINVAL, "setattr " + which + " nanoseconds out of range: " + Long.toUnsignedString(nsec));
        }
    }
}
