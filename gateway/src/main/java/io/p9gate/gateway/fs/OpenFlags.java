package io.p9gate.gateway.fs;

import io.p9gate.gateway.backend.LinuxSyscalls;

/**
 * Maps 9P2000.L open flags (P9_DOTL_*) to the safe host subset: access mode, truncate, append
 * and the sync flags. Dropped on purpose: O_CREAT/O_EXCL (Tlcreate creates), O_NOCTTY,
 * O_NONBLOCK, O_DIRECT (alignment is the host's business), O_NOATIME, O_ASYNC; O_CLOEXEC is
 * always added by the backend. The guarded layer owns this mapping because it chooses which host flags a guest's
 * open may reach the backend with.
 */
public final class OpenFlags {
    static final int P9_ACCMODE = 3;
    static final int P9_NOACCESS = 3;
    static final int P9_EXCL = 00000200;
    static final int P9_TRUNC = 00001000;
    static final int P9_APPEND = 00002000;
    static final int P9_DSYNC = 00010000;
    static final int P9_DIRECTORY = 00200000;
    static final int P9_SYNC = 04000000;

    private OpenFlags() {}

    public static int toHost(int p9) {
        int access = p9 & P9_ACCMODE;
        int host = access == P9_NOACCESS ? LinuxSyscalls.O_RDONLY : access;
        if ((p9 & P9_TRUNC) != 0) {
            host |= LinuxSyscalls.O_TRUNC;
        }
        if ((p9 & P9_APPEND) != 0) {
            host |= LinuxSyscalls.O_APPEND;
        }
        if ((p9 & P9_SYNC) != 0) {
            host |= LinuxSyscalls.O_SYNC;
        } else if ((p9 & P9_DSYNC) != 0) {
            host |= LinuxSyscalls.O_DSYNC;
        }
        return host;
    }

    public static boolean wantsDirectory(int p9) {
        return (p9 & P9_DIRECTORY) != 0;
    }

    public static boolean exclusive(int p9) {
        return (p9 & P9_EXCL) != 0;
    }
}
