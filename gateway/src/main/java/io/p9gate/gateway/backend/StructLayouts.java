package io.p9gate.gateway.backend;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;

/**
 * The Linux kernel structs the backend exchanges with syscalls, the same on x86_64 and aarch64 (docs/platforms.md);
 * offsets are derived from the layouts.
 */
final class StructLayouts {
    private StructLayouts() {}

    static final StructLayout TIMESPEC =
            MemoryLayout.structLayout(JAVA_LONG.withName("tv_sec"), JAVA_LONG.withName("tv_nsec"));

    /** struct statx_timestamp. */
    static final StructLayout STATX_TIMESTAMP = MemoryLayout.structLayout(
            JAVA_LONG.withName("sec"), JAVA_INT.withName("nsec"), JAVA_INT.withName("reserved"));

    /** struct statx (256 bytes; the tail is reserved space the kernel may fill later). */
    static final StructLayout STATX = MemoryLayout.structLayout(
            JAVA_INT.withName("mask"),
            JAVA_INT.withName("blksize"),
            JAVA_LONG.withName("attributes"),
            JAVA_INT.withName("nlink"),
            JAVA_INT.withName("uid"),
            JAVA_INT.withName("gid"),
            JAVA_SHORT.withName("mode"),
            JAVA_SHORT.withName("pad1"),
            JAVA_LONG.withName("ino"),
            JAVA_LONG.withName("size"),
            JAVA_LONG.withName("blocks"),
            JAVA_LONG.withName("attributes_mask"),
            STATX_TIMESTAMP.withName("atime"),
            STATX_TIMESTAMP.withName("btime"),
            STATX_TIMESTAMP.withName("ctime"),
            STATX_TIMESTAMP.withName("mtime"),
            JAVA_INT.withName("rdev_major"),
            JAVA_INT.withName("rdev_minor"),
            JAVA_INT.withName("dev_major"),
            JAVA_INT.withName("dev_minor"),
            MemoryLayout.sequenceLayout(256 - 144, JAVA_BYTE).withName("spare"));

    /** struct open_how (openat2). */
    static final StructLayout OPEN_HOW = MemoryLayout.structLayout(
            JAVA_LONG.withName("flags"), JAVA_LONG.withName("mode"), JAVA_LONG.withName("resolve"));

    /** struct statfs (64-bit glibc: 120 bytes on x86_64 and aarch64 alike). */
    static final StructLayout STATFS = MemoryLayout.structLayout(
            JAVA_LONG.withName("f_type"),
            JAVA_LONG.withName("f_bsize"),
            JAVA_LONG.withName("f_blocks"),
            JAVA_LONG.withName("f_bfree"),
            JAVA_LONG.withName("f_bavail"),
            JAVA_LONG.withName("f_files"),
            JAVA_LONG.withName("f_ffree"),
            JAVA_LONG.withName("f_fsid"),
            JAVA_LONG.withName("f_namelen"),
            JAVA_LONG.withName("f_frsize"),
            JAVA_LONG.withName("f_flags"),
            MemoryLayout.sequenceLayout(4, JAVA_LONG).withName("f_spare"));

    /** The fixed head of struct linux_dirent64; d_name (NUL-terminated) follows at NAME. */
    static final StructLayout DIRENT64 = MemoryLayout.structLayout(
            JAVA_LONG.withName("d_ino"),
            JAVA_LONG.withName("d_off"),
            JAVA_SHORT.withName("d_reclen"),
            JAVA_BYTE.withName("d_type"));

    static long offset(StructLayout layout, String... path) {
        MemoryLayout.PathElement[] elements = new MemoryLayout.PathElement[path.length];
        for (int i = 0; i < path.length; i++) {
            elements[i] = groupElement(path[i]);
        }
        return layout.byteOffset(elements);
    }

    static final class Statx {
        static final long MASK = offset(STATX, "mask");
        static final long BLKSIZE = offset(STATX, "blksize");
        static final long NLINK = offset(STATX, "nlink");
        static final long UID = offset(STATX, "uid");
        static final long GID = offset(STATX, "gid");
        static final long MODE = offset(STATX, "mode");
        static final long INO = offset(STATX, "ino");
        static final long SIZE = offset(STATX, "size");
        static final long BLOCKS = offset(STATX, "blocks");
        static final long ATIME = offset(STATX, "atime");
        static final long BTIME = offset(STATX, "btime");
        static final long CTIME = offset(STATX, "ctime");
        static final long MTIME = offset(STATX, "mtime");
        static final long RDEV_MAJOR = offset(STATX, "rdev_major");
        static final long RDEV_MINOR = offset(STATX, "rdev_minor");
        static final long DEV_MAJOR = offset(STATX, "dev_major");
        static final long DEV_MINOR = offset(STATX, "dev_minor");
        static final long TS_NSEC = offset(STATX_TIMESTAMP, "nsec");

        private Statx() {}
    }

    static final class Statfs {
        static final long TYPE = offset(STATFS, "f_type");
        static final long BSIZE = offset(STATFS, "f_bsize");
        static final long BLOCKS = offset(STATFS, "f_blocks");
        static final long BFREE = offset(STATFS, "f_bfree");
        static final long BAVAIL = offset(STATFS, "f_bavail");
        static final long FILES = offset(STATFS, "f_files");
        static final long FFREE = offset(STATFS, "f_ffree");
        static final long FSID = offset(STATFS, "f_fsid");
        static final long NAMELEN = offset(STATFS, "f_namelen");

        private Statfs() {}
    }

    static final class Dirent {
        static final long INO = offset(DIRENT64, "d_ino");
        static final long OFF = offset(DIRENT64, "d_off");
        static final long RECLEN = offset(DIRENT64, "d_reclen");
        static final long TYPE = offset(DIRENT64, "d_type");
        static final long NAME = TYPE + 1;

        private Dirent() {}
    }
}
