package io.p9gate.gateway.backend;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import io.p9gate.audit.read.HostAbi;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.LongAdder;

/**
 * The raw Linux syscalls the backend needs, bound through FFM (no JNI). Every wrapper returns
 * the syscall's non-negative result or throws a {@link P9Exception} carrying the captured errno.
 * Paths passed here are single names relative to a directory fd, "" with AT_EMPTY_PATH, or
 * {@code /proc/self/fd/N} magic links: never guest paths.
 */
@SuppressWarnings("restricted") // FFM downcalls are the point of this class; the launcher enables native access.
public final class LinuxSyscalls {
    private LinuxSyscalls() {}

    public static final int AT_FDCWD = -100;
    public static final int AT_SYMLINK_NOFOLLOW = 0x100;
    public static final int AT_REMOVEDIR = 0x200;
    public static final int AT_SYMLINK_FOLLOW = 0x400;
    public static final int AT_EMPTY_PATH = 0x1000;

    public static final int O_RDONLY = 0;
    public static final int O_WRONLY = 1;
    public static final int O_RDWR = 2;
    public static final int O_ACCMODE = 3;
    public static final int O_CREAT = 0x40;
    public static final int O_EXCL = 0x80;
    public static final int O_TRUNC = 0x200;
    public static final int O_APPEND = 0x400;
    public static final int O_NONBLOCK = 0x800;
    public static final int O_DSYNC = 0x1000;
    /** The values below that differ by architecture; an unknown one is refused here, by name. */
    private static final HostAbi ABI = HostAbi.host();
    /** Differs by architecture (HostAbi): x86_64's value is O_DIRECT on aarch64. */
    public static final int O_DIRECTORY = ABI.oDirectory();
    /** Differs by architecture (HostAbi): x86_64's value is O_LARGEFILE on aarch64, and follows the link. */
    public static final int O_NOFOLLOW = ABI.oNoFollow();

    public static final int O_CLOEXEC = 0x80000;
    public static final int O_SYNC = 0x101000;
    public static final int O_PATH = 0x200000;

    static final long RESOLVE_NO_MAGICLINKS = 0x02;
    static final long RESOLVE_NO_SYMLINKS = 0x04;
    static final long RESOLVE_BENEATH = 0x08;

    public static final int RENAME_NOREPLACE = 1;
    public static final int RENAME_EXCHANGE = 2;

    static final int XATTR_CREATE = 1;
    static final int XATTR_REPLACE = 2;

    static final int SEEK_SET = 0;
    static final int F_DUPFD_CLOEXEC = 1030;
    static final int STATX_BASIC_STATS = 0x7ff;
    static final int STATX_BTIME = 0x800;
    static final long UTIME_NOW = (1L << 30) - 1;
    static final long UTIME_OMIT = (1L << 30) - 2;

    private static final long SYS_OPENAT2 = 437;
    /** setgroups(2) as a raw system call: glibc's wrapper changes every thread of the process. */
    private static final long SYS_SETGROUPS = ABI.setgroupsSyscall();

    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBC = LINKER.defaultLookup();
    private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));

    private static final MethodHandle OPENAT =
            bind("openat", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT), 3);
    private static final MethodHandle SYSCALL4 =
            bind("syscall", FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, ADDRESS, ADDRESS, JAVA_LONG), 1);
    private static final MethodHandle SYSCALL2 =
            bind("syscall", FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, ADDRESS), 1);
    private static final MethodHandle CLOSE = bind("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle FCNTL =
            bind("fcntl", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT), 2);
    private static final MethodHandle STATX =
            bind("statx", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, ADDRESS));
    private static final MethodHandle READLINKAT =
            bind("readlinkat", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG));
    private static final MethodHandle FCHOWNAT =
            bind("fchownat", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle FCHMODAT =
            bind("fchmodat", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
    private static final MethodHandle TRUNCATE = bind("truncate", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG));
    private static final MethodHandle UTIMENSAT =
            bind("utimensat", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT));
    private static final MethodHandle MKDIRAT =
            bind("mkdirat", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle MKNODAT =
            bind("mknodat", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_LONG));
    private static final MethodHandle SYMLINKAT =
            bind("symlinkat", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, ADDRESS));
    private static final MethodHandle LINKAT =
            bind("linkat", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle RENAMEAT2 =
            bind("renameat2", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle UNLINKAT =
            bind("unlinkat", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle PREAD =
            bind("pread64", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG));
    private static final MethodHandle PWRITE =
            bind("pwrite64", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG));
    private static final MethodHandle FSYNC = bind("fsync", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle FDATASYNC = bind("fdatasync", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle FSTATFS = bind("fstatfs", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));
    /** ioctl(fd, request, int *): variadic from its third argument. */
    private static final MethodHandle IOCTL =
            bind("ioctl", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS), 2);
    /** FS_IOC_GETFLAGS, _IOR('f', 1, long) (linux/fs.h); the kernel reads and writes an int through it. */
    private static final long FS_IOC_GETFLAGS = 0x80086601L;

    private static final MethodHandle GETDENTS64 =
            bind("getdents64", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
    private static final MethodHandle LSEEK =
            bind("lseek", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_INT));
    private static final MethodHandle GETXATTR =
            bind("getxattr", FunctionDescriptor.of(JAVA_LONG, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG));
    private static final MethodHandle SETXATTR =
            bind("setxattr", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT));
    private static final MethodHandle LISTXATTR =
            bind("listxattr", FunctionDescriptor.of(JAVA_LONG, ADDRESS, ADDRESS, JAVA_LONG));
    private static final MethodHandle REMOVEXATTR =
            bind("removexattr", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle GETEUID =
            LINKER.downcallHandle(LIBC.find("geteuid").orElseThrow(), FunctionDescriptor.of(JAVA_INT));
    private static final MethodHandle SETFSUID =
            LINKER.downcallHandle(LIBC.find("setfsuid").orElseThrow(), FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle SETFSGID =
            LINKER.downcallHandle(LIBC.find("setfsgid").orElseThrow(), FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle GETGROUPS = bind("getgroups", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));
    /** capget(2)/capset(2): glibc's wrappers are the bare system calls, which act on the calling thread only. */
    private static final MethodHandle CAPGET = bind("capget", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));

    private static final MethodHandle CAPSET = bind("capset", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    /** _LINUX_CAPABILITY_VERSION_3: two 32-bit words per set. */
    private static final int CAPABILITY_VERSION_3 = 0x20080522;

    private static final MethodHandle INOTIFY_INIT1 = bind("inotify_init1", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle INOTIFY_ADD_WATCH =
            bind("inotify_add_watch", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle INOTIFY_RM_WATCH =
            bind("inotify_rm_watch", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle READ =
            bind("read", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));

    private static MethodHandle bind(String name, FunctionDescriptor descriptor) {
        return LINKER.downcallHandle(
                LIBC.find(name).orElseThrow(), descriptor, Linker.Option.captureCallState("errno"));
    }

    private static MethodHandle bind(String name, FunctionDescriptor descriptor, int firstVariadic) {
        return LINKER.downcallHandle(
                LIBC.find(name).orElseThrow(),
                descriptor,
                Linker.Option.captureCallState("errno"),
                Linker.Option.firstVariadicArg(firstVariadic));
    }

    /**
     * One native call: gets the errno capture segment and memory for its C strings and buffers, valid until it
     * returns (the thread's {@link NativeScratch}, reused by the next call).
     */
    @FunctionalInterface
    private interface NativeCall {
        long run(MemorySegment errnoState, SegmentAllocator memory) throws Throwable;
    }

    /** statx calls made so far by this process: tests count the stats a request costs (issue 11). */
    private static final LongAdder STATX_CALLS = new LongAdder();

    /** How many statx calls this process has made (for tests: the stats per request, not timed). */
    public static long statxCalls() {
        return STATX_CALLS.sum();
    }

    /** fstatfs calls made so far by this process: tests count the file-system lookups a request costs. */
    private static final LongAdder FSTATFS_CALLS = new LongAdder();

    /** How many fstatfs calls this process has made (for tests: not timed). */
    public static long fstatfsCalls() {
        return FSTATFS_CALLS.sum();
    }

    /** System calls made so far by this process through this class: tests count a request's (issue 11). */
    private static final LongAdder CALLS = new LongAdder();

    /** How many system calls this process has made through this class (for tests: not timed). */
    public static long calls() {
        return CALLS.sum();
    }

    private static long call(String what, NativeCall body) throws P9Exception {
        return call(what, null, body);
    }

    /**
     * A call on {@code name} (null: none): its error message ({@code "statx name"}) is built only when it fails, not
     * for each of the few calls every request makes (issue 11).
     */
    private static long call(String what, String name, NativeCall body) throws P9Exception {
        CALLS.increment();
        NativeScratch scratch = NativeScratch.enter();
        if (scratch == null) { // a virtual thread, or nested too deep: an arena of its own
            try (Arena arena = Arena.ofConfined()) {
                return callWith(arena, what, name, body);
            }
        }
        try {
            return callWith(scratch, what, name, body);
        } finally {
            scratch.exit();
        }
    }

    private static long callWith(SegmentAllocator memory, String what, String name, NativeCall body)
            throws P9Exception {
        MemorySegment state = memory.allocate(CAPTURE);
        long rc;
        try {
            rc = body.run(state, memory);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new P9Exception(Errno.EIO, message(what, name) + ": native call failed", t);
        }
        if (rc < 0) {
            int errno = (int) ERRNO.get(state, 0L);
            throw new P9Exception(Errno.of(errno), message(what, name));
        }
        return rc;
    }

    private static String message(String what, String name) {
        return name == null ? what : what + " " + name;
    }

    private static MemorySegment str(SegmentAllocator memory, String s) {
        return memory.allocateFrom(s);
    }

    /** The magic link that names exactly the inode an fd refers to (used only where no fd-based call exists). */
    static String procPath(int fd) {
        return "/proc/self/fd/" + fd;
    }

    public static int openat(int dirfd, String name, int flags, int mode) throws P9Exception {
        return (int) call("openat", name, (st, a) -> (int) OPENAT.invokeExact(st, dirfd, str(a, name), flags, mode));
    }

    /** openat2(2) through syscall(2): glibc has no wrapper. */
    static int openat2(int dirfd, String name, long flags, long mode, long resolve) throws P9Exception {
        return (int) call("openat2", name, (st, a) -> {
            MemorySegment how = a.allocate(StructLayouts.OPEN_HOW);
            how.set(JAVA_LONG, 0, flags);
            how.set(JAVA_LONG, 8, mode);
            how.set(JAVA_LONG, 16, resolve);
            return (long) SYSCALL4.invokeExact(
                    st, SYS_OPENAT2, (long) dirfd, str(a, name), how, StructLayouts.OPEN_HOW.byteSize());
        });
    }

    public static void close(int fd) {
        try {
            call("close", (st, a) -> (int) CLOSE.invokeExact(st, fd));
        } catch (P9Exception e) {
            // close(2) releases the descriptor even when it reports an error; nothing to retry.
        }
    }

    static int dupCloexec(int fd) throws P9Exception {
        return (int) call("fcntl F_DUPFD_CLOEXEC", (st, a) -> (int) FCNTL.invokeExact(st, fd, F_DUPFD_CLOEXEC, 0));
    }

    /** statx of {@code name} at {@code dirfd}, read into the call's own arena: no second arena per stat (issue 11). */
    static FileStat statx(int dirfd, String name, int flags) throws P9Exception {
        STATX_CALLS.increment();
        FileStat[] stat = new FileStat[1];
        call("statx", name, (st, a) -> {
            MemorySegment buf = a.allocate(StructLayouts.STATX);
            int rc = (int) STATX.invokeExact(st, dirfd, str(a, name), flags, STATX_BASIC_STATS | STATX_BTIME, buf);
            if (rc == 0) {
                stat[0] = FileStat.of(buf);
            }
            return rc;
        });
        return stat[0];
    }

    /** The link's target, read into the call's own memory (the buffer must not outlive the call). */
    static String readlinkat(int dirfd, String name) throws P9Exception {
        String[] target = new String[1];
        for (int size = 4096; target[0] == null; size *= 4) {
            int cap = size;
            call("readlinkat", (st, a) -> {
                MemorySegment buf = a.allocate(cap);
                long n = (long) READLINKAT.invokeExact(st, dirfd, str(a, name), buf, (long) cap);
                if (n >= 0 && n < cap) {
                    target[0] = new String(buf.asSlice(0, n).toArray(JAVA_BYTE), StandardCharsets.UTF_8);
                }
                return n;
            });
        }
        return target[0];
    }

    static void fchownat(int dirfd, String name, int uid, int gid, int flags) throws P9Exception {
        call("fchownat", (st, a) -> (int) FCHOWNAT.invokeExact(st, dirfd, str(a, name), uid, gid, flags));
    }

    static void fchmodat(int dirfd, String name, int mode, int flags) throws P9Exception {
        call("fchmodat", (st, a) -> (int) FCHMODAT.invokeExact(st, dirfd, str(a, name), mode, flags));
    }

    static void truncate(String path, long size) throws P9Exception {
        call("truncate", (st, a) -> (int) TRUNCATE.invokeExact(st, str(a, path), size));
    }

    /** utimensat with explicit (sec, nsec) pairs; nsec may be UTIME_NOW or UTIME_OMIT. */
    static void utimensat(int dirfd, String name, long aSec, long aNsec, long mSec, long mNsec, int flags)
            throws P9Exception {
        call("utimensat", (st, a) -> {
            MemorySegment times = a.allocate(StructLayouts.TIMESPEC, 2);
            times.set(JAVA_LONG, 0, aSec);
            times.set(JAVA_LONG, 8, aNsec);
            times.set(JAVA_LONG, 16, mSec);
            times.set(JAVA_LONG, 24, mNsec);
            return (int) UTIMENSAT.invokeExact(st, dirfd, str(a, name), times, flags);
        });
    }

    static void mkdirat(int dirfd, String name, int mode) throws P9Exception {
        call("mkdirat", name, (st, a) -> (int) MKDIRAT.invokeExact(st, dirfd, str(a, name), mode));
    }

    static void mknodat(int dirfd, String name, int mode, long dev) throws P9Exception {
        call("mknodat", name, (st, a) -> (int) MKNODAT.invokeExact(st, dirfd, str(a, name), mode, dev));
    }

    static void symlinkat(String target, int dirfd, String name) throws P9Exception {
        call("symlinkat", name, (st, a) -> (int) SYMLINKAT.invokeExact(st, str(a, target), dirfd, str(a, name)));
    }

    static void linkat(int olddirfd, String oldname, int newdirfd, String newname, int flags) throws P9Exception {
        call("linkat", newname, (st, a) ->
                (int) LINKAT.invokeExact(st, olddirfd, str(a, oldname), newdirfd, str(a, newname), flags));
    }

    public static void renameat2(int olddirfd, String oldname, int newdirfd, String newname, int flags)
            throws P9Exception {
        call("renameat2", oldname, (st, a) ->
                (int) RENAMEAT2.invokeExact(st, olddirfd, str(a, oldname), newdirfd, str(a, newname), flags));
    }

    static void unlinkat(int dirfd, String name, int flags) throws P9Exception {
        call("unlinkat", name, (st, a) -> (int) UNLINKAT.invokeExact(st, dirfd, str(a, name), flags));
    }

    /** pread into native (or buffer-backed direct) memory: no intermediate copy. */
    static long pread(int fd, MemorySegment buf, long offset) throws P9Exception {
        return call("pread", (st, a) -> (long) PREAD.invokeExact(st, fd, buf, buf.byteSize(), offset));
    }

    static long pwrite(int fd, MemorySegment buf, long offset) throws P9Exception {
        return call("pwrite", (st, a) -> (long) PWRITE.invokeExact(st, fd, buf, buf.byteSize(), offset));
    }

    static void fsync(int fd, boolean dataOnly) throws P9Exception {
        if (dataOnly) {
            call("fdatasync", (st, a) -> (int) FDATASYNC.invokeExact(st, fd));
        } else {
            call("fsync", (st, a) -> (int) FSYNC.invokeExact(st, fd));
        }
    }

    static void fstatfs(int fd, MemorySegment out) throws P9Exception {
        FSTATFS_CALLS.increment();
        call("fstatfs", (st, a) -> (int) FSTATFS.invokeExact(st, fd, out));
    }

    /** The inode flags of an open (not O_PATH) descriptor: chattr's FS_*_FL bits. */
    static int getInodeFlags(int fd) throws P9Exception {
        int[] flags = new int[1];
        call("ioctl FS_IOC_GETFLAGS", (st, a) -> {
            MemorySegment out = a.allocate(JAVA_INT);
            int rc = (int) IOCTL.invokeExact(st, fd, FS_IOC_GETFLAGS, out);
            flags[0] = out.get(JAVA_INT, 0);
            return rc;
        });
        return flags[0];
    }

    static long getdents64(int fd, MemorySegment buf) throws P9Exception {
        return call("getdents64", (st, a) -> (long) GETDENTS64.invokeExact(st, fd, buf, buf.byteSize()));
    }

    static long lseek(int fd, long offset) throws P9Exception {
        return call("lseek", (st, a) -> (long) LSEEK.invokeExact(st, fd, offset, SEEK_SET));
    }

    /** getxattr; with a zero-sized buffer it returns the value's size. */
    static long getxattr(String path, String name, MemorySegment buf) throws P9Exception {
        return call("getxattr", name, (st, a) ->
                (long) GETXATTR.invokeExact(st, str(a, path), str(a, name), buf, buf.byteSize()));
    }

    static void setxattr(String path, String name, MemorySegment value, int flags) throws P9Exception {
        call("setxattr", name, (st, a) ->
                (int) SETXATTR.invokeExact(st, str(a, path), str(a, name), value, value.byteSize(), flags));
    }

    static long listxattr(String path, MemorySegment buf) throws P9Exception {
        return call("listxattr", (st, a) -> (long) LISTXATTR.invokeExact(st, str(a, path), buf, buf.byteSize()));
    }

    static void removexattr(String path, String name) throws P9Exception {
        call("removexattr", name, (st, a) -> (int) REMOVEXATTR.invokeExact(st, str(a, path), str(a, name)));
    }

    /**
     * setfsuid(2) for the calling thread only (the kernel keeps filesystem ids per thread; glibc passes the
     * call straight through). Returns the previous fsuid; it reports no error, so callers read the id back
     * with {@code setfsuid(-1)}, which changes nothing.
     */
    static int setfsuid(int uid) {
        try {
            return (int) SETFSUID.invokeExact(uid);
        } catch (Throwable t) {
            throw new IllegalStateException("setfsuid", t);
        }
    }

    /** setfsgid(2) for the calling thread only; as {@link #setfsuid}. */
    static int setfsgid(int gid) {
        try {
            return (int) SETFSGID.invokeExact(gid);
        } catch (Throwable t) {
            throw new IllegalStateException("setfsgid", t);
        }
    }

    /** The calling thread's supplementary groups. */
    static int[] getgroups() throws P9Exception {
        while (true) {
            int n = (int) call("getgroups", (st, a) -> (int) GETGROUPS.invokeExact(st, 0, MemorySegment.NULL));
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment list = arena.allocate(JAVA_INT, Math.max(1, n));
                try {
                    int got = (int) call("getgroups", (st, a) -> (int) GETGROUPS.invokeExact(st, n, list));
                    return list.asSlice(0, (long) got * Integer.BYTES).toArray(JAVA_INT);
                } catch (P9Exception e) {
                    if (e.errno() != Errno.EINVAL) {
                        throw e; // EINVAL: the list grew in between; ask again
                    }
                }
            }
        }
    }

    /**
     * The calling thread's capability sets as the kernel lays them out: effective, permitted and inheritable of
     * capabilities 0-31, then the same of 32-63.
     */
    static int[] capget() throws P9Exception {
        int[] caps = new int[6];
        call("capget", (st, a) -> {
            MemorySegment data = a.allocate(JAVA_INT, 6);
            int rc = (int) CAPGET.invokeExact(st, capHeader(a), data);
            MemorySegment.copy(data, JAVA_INT, 0, caps, 0, 6);
            return rc;
        });
        return caps;
    }

    /** Sets the calling thread's capability sets (pid 0: this thread) to {@code caps}, laid out as {@link #capget}. */
    static void capset(int[] caps) throws P9Exception {
        call("capset", (st, a) -> (int) CAPSET.invokeExact(st, capHeader(a), a.allocateFrom(JAVA_INT, caps)));
    }

    private static MemorySegment capHeader(SegmentAllocator a) {
        return a.allocateFrom(JAVA_INT, CAPABILITY_VERSION_3, 0);
    }

    /** Sets the supplementary groups of the calling thread only (the raw system call, see SYS_SETGROUPS). */
    static void setgroupsThisThread(int[] groups) throws P9Exception {
        call("setgroups", (st, a) -> {
            MemorySegment list = groups.length == 0 ? MemorySegment.NULL : a.allocateFrom(JAVA_INT, groups);
            return (long) SYSCALL2.invokeExact(st, SYS_SETGROUPS, (long) groups.length, list);
        });
    }

    static int inotifyInit(int flags) throws P9Exception {
        return (int) call("inotify_init1", (st, a) -> (int) INOTIFY_INIT1.invokeExact(st, flags));
    }

    /** Watches the inode {@code path} names (a {@code /proc/self/fd/N} magic link: the handle's own inode). */
    static int inotifyAddWatch(int fd, String path, int mask) throws P9Exception {
        return (int) call(
                "inotify_add_watch", (st, a) -> (int) INOTIFY_ADD_WATCH.invokeExact(st, fd, str(a, path), mask));
    }

    static void inotifyRmWatch(int fd, int wd) throws P9Exception {
        call("inotify_rm_watch", (st, a) -> (int) INOTIFY_RM_WATCH.invokeExact(st, fd, wd));
    }

    /**
     * read(2) of the inotify events, blocking; not counted in {@link #calls()}: it runs on its own thread whenever
     * the host changes a watched directory, and tests count the system calls a request makes.
     */
    static long readEvents(int fd, MemorySegment buf) throws P9Exception {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE);
            long rc;
            try {
                rc = (long) READ.invokeExact(state, fd, buf, buf.byteSize());
            } catch (Throwable t) {
                throw new P9Exception(Errno.EIO, "read of inotify events failed", t);
            }
            if (rc < 0) {
                throw new P9Exception(Errno.of((int) ERRNO.get(state, 0L)), "read of inotify events");
            }
            return rc;
        }
    }

    public static int geteuid() {
        try {
            return (int) GETEUID.invokeExact();
        } catch (Throwable t) {
            throw new IllegalStateException("geteuid", t);
        }
    }
}
