package io.p9gate.audit.read;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.io.IOException;
import java.io.Serial;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.util.NoSuchElementException;

/**
 * The system calls a reader (and the writer, {@link WritableFile}) of a log file makes on the file it opened (FFM: Java has no {@code fstatfs}, no
 * {@code O_PATH} and no FIFO-safe open), or why they cannot be made. A call that fails throws {@link Failed}, with
 * its errno.
 */
sealed interface FileCalls {
    /**
     * open(2) flags and errnos the readers and the writer use: the same on x86_64 and aarch64. O_NOFOLLOW is not
     * (HostAbi): it is {@link Linked#noFollow}, so that a host whose value is not known gets {@link Unlinked}, a
     * typed refusal naming it, not an error of this interface's initialiser (a stack trace from {@code audit verify}).
     */
    int O_RDONLY = 0;

    int O_WRONLY = 01;
    int O_CREAT = 0100;
    int O_EXCL = 0200;
    int O_NONBLOCK = 0x800;
    int O_CLOEXEC = 0x80000;
    /** The same on x86_64 and aarch64 (asm-generic). */
    int O_PATH = 0x200000;

    int EPERM = 1;
    int ENOENT = 2;
    int ENXIO = 6;
    int EACCES = 13;
    int EEXIST = 17;
    int ENOTDIR = 20;
    int ELOOP = 40;

    /** A system call answered -1: {@link #errno} says why. */
    final class Failed extends IOException {
        @Serial
        private static final long serialVersionUID = 1L;

        final int errno;

        Failed(String call, int errno) {
            super(call + ": errno " + errno, null);
            this.errno = errno;
        }
    }

    /** The C library's, linked once. */
    FileCalls LIBC = link(Linker.nativeLinker().defaultLookup());

    /**
     * The calls cannot be made (a symbol missing, native access refused, an architecture whose flags are not known):
     * no file can be checked, none is read.
     */
    record Unlinked(String reason) implements FileCalls {}

    /** statx(2)'s answer, the fields a reader needs. */
    record Stat(int mode, int devMajor, int devMinor, long inode, long size, int links) {
        private static final int S_IFMT = 0170000;
        private static final int S_IFREG = 0100000;
        private static final int S_IFDIR = 0040000;

        boolean regular() {
            return (mode & S_IFMT) == S_IFREG;
        }

        boolean directory() {
            return (mode & S_IFMT) == S_IFDIR;
        }

        boolean sameFile(Stat other) {
            return devMajor == other.devMajor && devMinor == other.devMinor && inode == other.inode;
        }
    }

    @SuppressWarnings("restricted") // the launchers enable native access; without it, Unlinked says so
    static FileCalls link(SymbolLookup libc) {
        HostAbi abi;
        try {
            abi = HostAbi.host();
        } catch (UnsupportedOperationException e) {
            return new Unlinked(e.getMessage());
        }
        try {
            Linker linker = Linker.nativeLinker();
            Linker.Option errno = Linker.Option.captureCallState("errno");
            return new Linked(
                    linker.downcallHandle(
                            libc.findOrThrow("open"),
                            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT),
                            errno,
                            Linker.Option.firstVariadicArg(2)),
                    linker.downcallHandle(
                            libc.findOrThrow("statx"),
                            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, ADDRESS),
                            errno),
                    linker.downcallHandle(
                            libc.findOrThrow("fstatfs"), FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS), errno),
                    linker.downcallHandle(
                            libc.findOrThrow("pread64"),
                            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG),
                            errno),
                    linker.downcallHandle(
                            libc.findOrThrow("lseek"),
                            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_INT),
                            errno),
                    linker.downcallHandle(libc.findOrThrow("close"), FunctionDescriptor.of(JAVA_INT, JAVA_INT)),
                    abi.oNoFollow());
        } catch (NoSuchElementException e) {
            return new Unlinked(
                    e.getMessage() == null ? "a system call is missing from the C library" : e.getMessage());
        } catch (IllegalCallerException | UnsupportedOperationException | LinkageError e) {
            return new Unlinked("native access is refused: " + e.getMessage());
        }
    }

    /**
     * The linked calls, and this host's O_NOFOLLOW (x86_64 0400000, aarch64 0100000): x86_64's on aarch64 is
     * O_LARGEFILE, and follows the link.
     */
    record Linked(
            MethodHandle open,
            MethodHandle statx,
            MethodHandle fstatfs,
            MethodHandle pread,
            MethodHandle lseek,
            MethodHandle close,
            int noFollow)
            implements FileCalls {
        private static final long ERRNO_OFFSET =
                Linker.Option.captureStateLayout().byteOffset(MemoryLayout.PathElement.groupElement("errno"));
        private static final int EINTR = 4;
        private static final int AT_EMPTY_PATH = 0x1000;
        private static final int STATX_BASIC_STATS = 0x7ff;
        private static final int SEEK_DATA = 3;
        /**
         * struct statx: 256 bytes; stx_nlink at 16, stx_mode at 28, stx_ino at 32, stx_size at 40, stx_dev_major/minor
         * at 136/140.
         */
        private static final long STATX_SIZE = 256;
        /** struct statfs on 64-bit Linux: 120 bytes, f_type (a long) first. */
        private static final long STATFS_SIZE = 120;

        /** One system call: gets the errno capture segment and an arena for its arguments. */
        @FunctionalInterface
        private interface Call {
            long run(MemorySegment errnoState, Arena arena) throws Throwable;
        }

        /** open(2) of {@code path}. */
        int open(String path, int flags) throws IOException {
            return open(path, flags, 0);
        }

        /** open(2) of {@code path}; {@code mode} is that of a file O_CREAT makes. */
        int open(String path, int flags, int mode) throws IOException {
            return (int) call("open", (st, a) -> (int) open.invokeExact(st, a.allocateFrom(path), flags, mode));
        }

        /** statx(2) of the open {@code fd} itself (AT_EMPTY_PATH: an O_PATH descriptor too). */
        Stat stat(int fd) throws IOException {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment buf = arena.allocate(STATX_SIZE, 8);
                call("statx", (st, a) ->
                        (int) statx.invokeExact(st, fd, a.allocateFrom(""), AT_EMPTY_PATH, STATX_BASIC_STATS, buf));
                return new Stat(
                        Short.toUnsignedInt(buf.get(JAVA_SHORT, 28)),
                        buf.get(JAVA_INT, 136),
                        buf.get(JAVA_INT, 140),
                        buf.get(JAVA_LONG, 32),
                        buf.get(JAVA_LONG, 40),
                        buf.get(JAVA_INT, 16));
            }
        }

        /** fstatfs(2)'s {@code f_type} of {@code fd}'s file system. */
        long fileSystemType(int fd) throws IOException {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment buf = arena.allocate(STATFS_SIZE, 8);
                call("fstatfs", (st, a) -> (int) fstatfs.invokeExact(st, fd, buf));
                return buf.get(JAVA_LONG, 0);
            }
        }

        /** pread(2) of up to {@code count} bytes into {@code buf}; the bytes read. */
        long pread(int fd, MemorySegment buf, long count, long position) throws IOException {
            return call("pread", (st, a) -> (long) pread.invokeExact(st, fd, buf, count, position));
        }

        /** lseek(2) SEEK_DATA: the first offset at or after {@code from} that holds data (ENXIO: none). */
        long seekData(int fd, long from) throws IOException {
            return call("lseek", (st, a) -> (long) lseek.invokeExact(st, fd, from, SEEK_DATA));
        }

        void close(int fd) {
            try {
                int ignored = (int) close.invokeExact(fd); // releases fd even when it reports an error
            } catch (Throwable t) {
                // nothing to retry: the descriptor is gone or was never ours
            }
        }

        /** Runs {@code body} again while it is interrupted (EINTR); its result, or {@link Failed} with its errno. */
        private static long call(String name, Call body) throws IOException {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment state = arena.allocate(Linker.Option.captureStateLayout());
                while (true) {
                    long rc;
                    try {
                        rc = body.run(state, arena);
                    } catch (Throwable t) {
                        throw new IOException(name + "(2) could not be called: " + t, t);
                    }
                    if (rc >= 0) {
                        return rc;
                    }
                    int errno = state.get(JAVA_INT, ERRNO_OFFSET);
                    if (errno != EINTR) {
                        throw new Failed(name, errno);
                    }
                }
            }
        }
    }
}
