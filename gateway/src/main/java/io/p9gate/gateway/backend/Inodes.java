package io.p9gate.gateway.backend;

import static io.p9gate.gateway.backend.LinuxSyscalls.AT_EMPTY_PATH;
import static io.p9gate.gateway.backend.LinuxSyscalls.AT_FDCWD;
import static io.p9gate.gateway.backend.LinuxSyscalls.AT_SYMLINK_NOFOLLOW;

import io.p9gate.gateway.backend.StructLayouts.Statfs;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.StatFs;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Metadata of one inode through its handle: stat, statfs, readlink, chmod/chown/truncate/times.
 * Calls go through the O_PATH descriptor where Linux accepts one and otherwise through the
 * /proc/self/fd magic link, which names the very inode (no re-resolution of a guest path). The
 * magic link is never used on a symlink handle, so no symlink target is ever consulted.
 */
public final class Inodes {
    private Inodes() {}

    /** Test seam: see {@link #beforeChmod(Runnable)}. */
    private static volatile Runnable beforeChmod;

    /**
     * Test seam (HostSetIdOpenForWritingAttackTest): {@code hook} runs just before each chmod the gateway makes, the
     * window in which a host's own chmod is overwritten by one the gateway computed from an earlier look; null
     * removes it.
     */
    public static void beforeChmod(Runnable hook) {
        beforeChmod = hook;
    }

    public static FileStat stat(Node node) throws P9Exception {
        return node.use(Inodes::statOf);
    }

    /** The entry {@code name} (a name {@link Names#check} accepts) in {@code dir}, not following a symlink. */
    public static FileStat statAt(Node dir, String name) throws P9Exception {
        return dir.use(fd -> statAt(fd, name, AT_SYMLINK_NOFOLLOW));
    }

    /** As {@link #statAt(Node, String)}, for a directory's raw descriptor. */
    static FileStat statAt(int dirfd, String name) throws P9Exception {
        return statAt(dirfd, name, AT_SYMLINK_NOFOLLOW);
    }

    /** The file the entry {@code name} of {@code dir} is, or null if it cannot be seen (not there, say). */
    static FileKey keyAt(Node dir, String name) {
        try {
            return statAt(dir, name).key();
        } catch (P9Exception e) {
            return null;
        }
    }

    /** The file a raw descriptor is open on. */
    static FileStat statOf(int fd) throws P9Exception {
        return statAt(fd, "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW);
    }

    /** The entry at the host's absolute {@code path}, not following a symlink there: only to compare identities. */
    static FileStat statOfHostPath(String path) throws P9Exception {
        return statAt(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW);
    }

    /** As {@link #statOfHostPath}, following symlinks (the admin's, on a share's configured path). */
    static FileStat statFollowingHostPath(String path) throws P9Exception {
        return statAt(AT_FDCWD, path, 0);
    }

    private static FileStat statAt(int fd, String name, int flags) throws P9Exception {
        return LinuxSyscalls.statx(fd, name, flags);
    }

    public static StatFs statfs(Node node) throws P9Exception {
        return node.use(fd -> {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment b = arena.allocate(StructLayouts.STATFS);
                LinuxSyscalls.fstatfs(fd, b);
                return new StatFs(
                        (int) b.get(ValueLayout.JAVA_LONG, Statfs.TYPE),
                        (int) b.get(ValueLayout.JAVA_LONG, Statfs.BSIZE),
                        b.get(ValueLayout.JAVA_LONG, Statfs.BLOCKS),
                        b.get(ValueLayout.JAVA_LONG, Statfs.BFREE),
                        b.get(ValueLayout.JAVA_LONG, Statfs.BAVAIL),
                        b.get(ValueLayout.JAVA_LONG, Statfs.FILES),
                        b.get(ValueLayout.JAVA_LONG, Statfs.FFREE),
                        b.get(ValueLayout.JAVA_LONG, Statfs.FSID),
                        (int) b.get(ValueLayout.JAVA_LONG, Statfs.NAMELEN));
            }
        });
    }

    /** statfs(2)'s f_type of the filesystem {@code node} is on. */
    static long filesystemType(Node node) throws P9Exception {
        return node.use(Inodes::filesystemType);
    }

    /** As {@link #filesystemType(Node)}, for a raw descriptor. */
    static long filesystemType(int fd) throws P9Exception {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment b = arena.allocate(StructLayouts.STATFS);
            LinuxSyscalls.fstatfs(fd, b);
            return b.get(ValueLayout.JAVA_LONG, Statfs.TYPE);
        }
    }

    /**
     * The inode flags (chattr's FS_*_FL) of the directory {@code dir}, read through a descriptor opened for reading
     * (the ioctl refuses O_PATH ones); 0 on a filesystem that keeps none (ENOTTY, EINVAL, EOPNOTSUPP).
     */
    static int directoryFlags(Node dir) throws P9Exception {
        int fd = dir.use(pathFd -> LinuxSyscalls.openat(
                pathFd, ".", LinuxSyscalls.O_RDONLY | LinuxSyscalls.O_DIRECTORY | LinuxSyscalls.O_CLOEXEC, 0));
        try {
            return LinuxSyscalls.getInodeFlags(fd);
        } catch (P9Exception e) {
            if (e.errno() == Errno.ENOTTY || e.errno() == Errno.EINVAL || e.errno() == Errno.EOPNOTSUPP) {
                return 0;
            }
            throw e;
        } finally {
            LinuxSyscalls.close(fd);
        }
    }

    /** The text of a symlink, never followed. */
    public static String readlink(Node node) throws P9Exception {
        if (node.type() != FileType.SYMLINK) {
            throw new P9Exception(Errno.EINVAL, "readlink of a non-symlink");
        }
        return node.use(fd -> LinuxSyscalls.readlinkat(fd, ""));
    }

    public static void chmod(Node node, int mode) throws P9Exception {
        requireNotSymlink(node, "chmod");
        requireNotDevice(node, "chmod");
        Runnable hook = beforeChmod;
        if (hook != null) {
            hook.run();
        }
        node.use(fd -> {
            LinuxSyscalls.fchmodat(AT_FDCWD, LinuxSyscalls.procPath(fd), mode & 07777, 0);
            return null;
        });
    }

    /** Changes owner and/or group (-1 leaves one unchanged); works on symlinks themselves, never on device nodes. */
    public static void chown(Node node, int uid, int gid) throws P9Exception {
        requireNotDevice(node, "chown");
        node.use(fd -> {
            LinuxSyscalls.fchownat(fd, "", uid, gid, AT_EMPTY_PATH);
            return null;
        });
    }

    /**
     * Clears the set-id bits of a regular file as the kernel clears them at a chown that changes no id (-1, -1): set-uid,
     * set-gid with group-execute, security.capability, from the mode the inode has then, under its lock, so a chmod
     * meanwhile is not undone (a chmod from a mode read before would be). As the gateway: else only the owner may. For
     * a write the gateway refuses where Linux would have cleared them already (fs.SetIdBits#modifiedBefore).
     */
    public static void clearSetIdBits(Node node) throws P9Exception {
        if (node.type() == FileType.REGULAR) {
            HostCredentials.asGateway(() -> {
                chown(node, -1, -1);
                return null;
            });
        }
    }

    /** Without CAP_FSETID, as a write: the kernel clears set-id bits the host gave meanwhile ({@link FileIo}). */
    public static void truncate(Node node, long size) throws P9Exception {
        switch (node.type()) {
            case REGULAR ->
                FileIo.changingData(() -> node.use(fd -> {
                    LinuxSyscalls.truncate(LinuxSyscalls.procPath(fd), size);
                    return null;
                }));
            case DIRECTORY -> throw new P9Exception(Errno.EISDIR, "truncate a directory");
            case SYMLINK, FIFO, SOCKET, CHAR_DEVICE, BLOCK_DEVICE ->
                throw new P9Exception(Errno.EINVAL, "truncate a " + node.type());
        }
    }

    /** Sets atime/mtime; a null time leaves it unchanged, {@link #NOW} takes the server's clock. */
    public static void setTimes(Node node, Timestamp atime, Timestamp mtime) throws P9Exception {
        long aSec = atime == null ? 0 : atime.sec();
        long aNsec = atime == null ? LinuxSyscalls.UTIME_OMIT : atime.nsec();
        long mSec = mtime == null ? 0 : mtime.sec();
        long mNsec = mtime == null ? LinuxSyscalls.UTIME_OMIT : mtime.nsec();
        node.use(fd -> {
            if (node.type() == FileType.SYMLINK) {
                LinuxSyscalls.utimensat(fd, "", aSec, aNsec, mSec, mNsec, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW);
            } else {
                LinuxSyscalls.utimensat(AT_FDCWD, LinuxSyscalls.procPath(fd), aSec, aNsec, mSec, mNsec, 0);
            }
            return null;
        });
    }

    /** A point in time for {@link #setTimes}. */
    public record Timestamp(long sec, long nsec) {}

    public static final Timestamp NOW = new Timestamp(0, LinuxSyscalls.UTIME_NOW);

    /**
     * The gateway never makes a device node (R-CONF-2), so one in a share is the host's (a root filesystem's
     * {@code /dev}). No guest opens it through the gateway, so none needs to change who may: a chmod or chown would
     * hand the host's device to host users. Its times may change.
     */
    private static void requireNotDevice(Node node, String what) throws P9Exception {
        if (node.type() == FileType.CHAR_DEVICE || node.type() == FileType.BLOCK_DEVICE) {
            throw new P9Exception(Errno.EPERM, what + " of a host device node");
        }
    }

    private static void requireNotSymlink(Node node, String what) throws P9Exception {
        if (node.type() == FileType.SYMLINK) {
            throw new P9Exception(Errno.EOPNOTSUPP, what + " on a symlink");
        }
    }
}
