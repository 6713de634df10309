package io.p9gate.gateway.fs;

import io.p9gate.gateway.backend.LinuxSyscalls;

/**
 * Maps 9P2000.L open flags (P9_DOTL_*) to the safe host subset: access mode, truncate, append
 * and the sync flags. Dropped on purpose: O_CREAT/O_EXCL (Tlcreate creates), O_NOCTTY,
 * O_NONBLOCK, O_DIRECT (alignment is the host's business), O_NOATIME (the gateway's CAP_FOWNER would take it on
 * files the guest does not own, which Linux refuses EPERM: reads unseen in atime), O_ASYNC; O_CLOEXEC is
 * always added by the backend. The guarded layer owns this mapping because it chooses which host flags a guest's
 * open may reach the backend with.
 */
public final class OpenFlags {
    static final int P9_ACCMODE = 3;
    static final int P9_NOACCESS = 3;
    public static final int P9_EXCL = 00000200;
    static final int P9_TRUNC = 00001000;
    static final int P9_APPEND = 00002000;
    static final int P9_DSYNC = 00010000;
    static final int P9_DIRECTORY = 00200000;
    static final int P9_SYNC = 04000000;

    /** open(5) modes of 9P2000 and 9P2000.u (Linux include/net/9p/9p.h P9_O*). */
    static final int OEXEC = 3;

    static final int OTRUNC = 0x10;
    static final int ORCLOSE = 0x40;
    /** 9P2000.u only: the Linux client's O_APPEND. */
    static final int OAPPEND = 0x80;

    private OpenFlags() {}

    /**
     * Maps a Topen mode to the same host flags a Tlopen asking for the same access gets, so the policy decides it
     * the same way: OREAD, OWRITE, ORDWR as they are, OEXEC as a read (running a file reads it, like Tlopen's
     * access mode 3), OTRUNC as O_TRUNC, and in .u OAPPEND as O_APPEND. ORCLOSE is no host flag (the fid removes
     * the file at clunk); OCEXEC means nothing to a server.
     */
    public static int fromOpenMode(int mode, boolean unix) {
        int access = mode & P9_ACCMODE;
        int host = access == OEXEC ? LinuxSyscalls.O_RDONLY : access;
        if ((mode & OTRUNC) != 0) {
            host |= LinuxSyscalls.O_TRUNC;
        }
        if (unix && (mode & OAPPEND) != 0) {
            host |= LinuxSyscalls.O_APPEND;
        }
        return host;
    }

    /** Whether host open flags give write access (O_WRONLY or O_RDWR). */
    static boolean writes(int hostFlags) {
        return (hostFlags & LinuxSyscalls.O_ACCMODE) != LinuxSyscalls.O_RDONLY;
    }

    /** Whether host open flags give read access (O_RDONLY or O_RDWR). */
    static boolean reads(int hostFlags) {
        return (hostFlags & LinuxSyscalls.O_ACCMODE) != LinuxSyscalls.O_WRONLY;
    }

    /**
     * Whether a Tlopen with these 9P2000.L flags changes nothing and waits for no disk: no write access (its
     * record would be synced, see {@link AuditEntry#mustBeOnDisk()}) and no O_TRUNC (a change).
     */
    public static boolean onlyReads(int p9) {
        int host = toHost(p9);
        return !writes(host) && (host & LinuxSyscalls.O_TRUNC) == 0;
    }

    /** Whether a Tlopen with these 9P2000.L flags truncates the file (a change of its size). */
    public static boolean truncates(int p9) {
        return (toHost(p9) & LinuxSyscalls.O_TRUNC) != 0;
    }

    /** Whether every write through a descriptor opened with these host flags waits for the disk (O_DSYNC, O_SYNC). */
    static boolean syncsWrites(int hostFlags) {
        return (hostFlags & LinuxSyscalls.O_DSYNC) != 0;
    }

    /** A Tcreate's open mode as the 9P2000.L flags of the Tlcreate that creates the file. */
    public static int dotlFromOpenMode(int mode, boolean unix) {
        int access = mode & P9_ACCMODE;
        int flags = access == OEXEC ? 0 : access;
        if ((mode & OTRUNC) != 0) {
            flags |= P9_TRUNC;
        }
        if (unix && (mode & OAPPEND) != 0) {
            flags |= P9_APPEND;
        }
        return flags;
    }

    /**
     * Whether a Topen mode may open a directory: open(5) forbids writing or truncating one (the host's open would
     * answer EISDIR). A Tcreate of a directory checks it before the directory is made.
     */
    public static boolean opensDirectory(int mode) {
        int access = mode & P9_ACCMODE;
        return (access == LinuxSyscalls.O_RDONLY || access == OEXEC) && (mode & OTRUNC) == 0;
    }

    public static boolean removesOnClunk(int mode) {
        return (mode & ORCLOSE) != 0;
    }

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

    /** Access mode 3: read and write permission asked, neither granted (open(2)); served as a read. */
    public static boolean noAccessMode(int p9) {
        return (p9 & P9_ACCMODE) == P9_NOACCESS;
    }

    public static boolean wantsDirectory(int p9) {
        return (p9 & P9_DIRECTORY) != 0;
    }

    public static boolean exclusive(int p9) {
        return (p9 & P9_EXCL) != 0;
    }
}
