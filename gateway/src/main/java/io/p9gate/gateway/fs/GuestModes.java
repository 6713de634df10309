package io.p9gate.gateway.fs;

/**
 * The permission bits a guest may put on host inodes. The gateway often runs as root (CAP_FSETID),
 * so the kernel would keep whatever the guest asks for: a set-uid or set-gid file written by a guest
 * would run with its (mapped) owner's or group's rights on the host. Both are stripped from files;
 * a directory keeps set-gid (harmless BSD group inheritance) and every entry keeps the sticky bit.
 */
final class GuestModes {
    private static final int S_ISUID = 04000;
    private static final int S_ISGID = 02000;
    private static final int PERMISSION_BITS = 07777;

    private GuestModes() {}

    /** {@code mode} (type bits included, if any) without the set-id bits not allowed on this kind of entry. */
    static int allowed(boolean directory, int mode) {
        return mode & ~(directory ? S_ISUID : S_ISUID | S_ISGID);
    }

    /**
     * The permission bits a Tlcreate or Tmkdir of {@code askedMode} gives the guest's new entry, as its record names
     * them: a file keeps its set-id bits for the guest ({@link SetIdBits}) though the host gets none, a directory
     * never takes S_ISUID (mkdir(2) drops it), and the type bits are ignored, as open(2) and mkdir(2) ignore them.
     */
    static int made(boolean directory, int askedMode) {
        return (directory ? allowed(true, askedMode) : askedMode) & PERMISSION_BITS;
    }
}
