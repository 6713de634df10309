package io.p9gate.gateway.backend;

import io.p9gate.gateway.backend.StructLayouts.Statx;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** What statx reports about one inode (host ids, not yet mapped to the guest's). */
public record FileStat(
        long dev,
        long ino,
        int mode,
        long nlink,
        int uid,
        int gid,
        long rdev,
        long size,
        long blksize,
        long blocks,
        Timespec atime,
        Timespec mtime,
        Timespec ctime,
        Timespec btime) {

    public FileKey key() {
        return new FileKey(dev, ino);
    }

    public FileType type() {
        return FileType.ofMode(mode);
    }

    /**
     * This inode as the guest is shown it: the owner, mode and device number it sees over the host's other fields
     * (mapped ids, kept set-id bits, a mapped device).
     */
    public FileStat shownAs(int shownMode, int shownUid, int shownGid, long shownRdev) {
        return new FileStat(
                dev, ino, shownMode, nlink, shownUid, shownGid, shownRdev, size, blksize, blocks, atime, mtime, ctime,
                btime);
    }

    /** This inode with another link count (a directory's, without the subdirectories the guest cannot see). */
    public FileStat withNlink(long shownNlink) {
        return new FileStat(
                dev, ino, mode, shownNlink, uid, gid, rdev, size, blksize, blocks, atime, mtime, ctime, btime);
    }

    /** This inode with another size (a directory's, without the entries the guest cannot see). */
    public FileStat withSize(long shownSize) {
        return new FileStat(
                dev, ino, mode, nlink, uid, gid, rdev, shownSize, blksize, blocks, atime, mtime, ctime, btime);
    }

    static FileStat of(MemorySegment s) {
        return new FileStat(
                makedev(s.get(ValueLayout.JAVA_INT, Statx.DEV_MAJOR), s.get(ValueLayout.JAVA_INT, Statx.DEV_MINOR)),
                s.get(ValueLayout.JAVA_LONG, Statx.INO),
                Short.toUnsignedInt(s.get(ValueLayout.JAVA_SHORT, Statx.MODE)),
                Integer.toUnsignedLong(s.get(ValueLayout.JAVA_INT, Statx.NLINK)),
                s.get(ValueLayout.JAVA_INT, Statx.UID),
                s.get(ValueLayout.JAVA_INT, Statx.GID),
                makedev(s.get(ValueLayout.JAVA_INT, Statx.RDEV_MAJOR), s.get(ValueLayout.JAVA_INT, Statx.RDEV_MINOR)),
                s.get(ValueLayout.JAVA_LONG, Statx.SIZE),
                Integer.toUnsignedLong(s.get(ValueLayout.JAVA_INT, Statx.BLKSIZE)),
                s.get(ValueLayout.JAVA_LONG, Statx.BLOCKS),
                time(s, Statx.ATIME),
                time(s, Statx.MTIME),
                time(s, Statx.CTIME),
                time(s, Statx.BTIME));
    }

    private static Timespec time(MemorySegment s, long ts) {
        return new Timespec(
                s.get(ValueLayout.JAVA_LONG, ts),
                Integer.toUnsignedLong(s.get(ValueLayout.JAVA_INT, ts + Statx.TS_NSEC)));
    }

    /** glibc's makedev encoding, the one st_dev/st_rdev and mknod use. */
    public static long makedev(int major, int minor) {
        long ma = Integer.toUnsignedLong(major);
        long mi = Integer.toUnsignedLong(minor);
        return ((ma & 0xfffff000L) << 32) | ((ma & 0xfffL) << 8) | ((mi & 0xffffff00L) << 12) | (mi & 0xffL);
    }
}
