package io.p9gate.gateway.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.backend.LinuxSyscalls;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.Qid;
import io.p9gate.gateway.proto.RMessage;
import io.p9gate.gateway.proto.SetAttr;
import io.p9gate.gateway.proto.TMessage;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Well-formed 9P2000.L requests with the edge values a fuzzer picks (type bits no file has, sizes beyond 2^63,
 * nanoseconds out of range, flags that ask for write access on a directory). Each gets the reply Linux gives for
 * the same system call, and an Rlerror means the host is as it was: never an unexpected fault (EIO) and never a
 * change the reply denies.
 */
class EdgeValueRequestsTest extends ShareTestBase {
    private static final int P9_TRUNC = 01000;
    private static final int O_RDONLY = 0;

    @Override
    void populate() throws Exception {
        Files.writeString(share.resolve("f"), "content");
        Files.setPosixFilePermissions(share.resolve("f"), PosixFilePermissions.fromString("rw-r--r--"));
        Files.createDirectories(share.resolve("d/sub"));
        Files.setPosixFilePermissions(share.resolve("d"), PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.createSymbolicLink(share.resolve("l"), Path.of("f"));
    }

    private String permissions(String name) throws Exception {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(share.resolve(name)));
    }

    /**
     * Tmknod's mode is the guest's u32 as sent: type bits Linux does not define (0170000, or all bits set) reached a
     * lookup of a null file type and failed as an unexpected fault (EIO, "failed unexpectedly (bug)"). mknod(2)
     * answers EINVAL for such a type and makes nothing; a zero type is S_IFREG (a regular file is made).
     */
    @Test
    void tmknodOfAnUndefinedFileTypeIsEinvalAndAZeroTypeIsARegularFile() throws Exception {
        assertEquals(Errno.EINVAL, s.fails(new TMessage.Tmknod(TestSession.ROOT, "bad", 0170644, 0, 0, 0)));
        assertEquals(Errno.EINVAL, s.fails(new TMessage.Tmknod(TestSession.ROOT, "all", -1, 0, 0, 0)));
        assertFalse(Files.exists(share.resolve("bad"), LinkOption.NOFOLLOW_LINKS));
        assertFalse(Files.exists(share.resolve("all"), LinkOption.NOFOLLOW_LINKS));

        Qid plain = s.expect(RMessage.Rmknod.class, new TMessage.Tmknod(TestSession.ROOT, "plain", 0640, 0, 0, 0))
                .qid();
        assertEquals(Qid.QTFILE, plain.type());
        assertTrue(Files.isRegularFile(share.resolve("plain"), LinkOption.NOFOLLOW_LINKS));
        assertEquals("rw-r-----", permissions("plain"));
    }

    /**
     * A Tsetattr that also asks for a size beyond 2^63 (a negative off_t: truncate(2) EINVAL) or for an explicit
     * time whose nanoseconds are not 0..999,999,999 (utimensat(2) EINVAL) changed the mode first and then failed:
     * the guest was told EINVAL while the host file had its new mode. Linux checks a setattr before applying any of
     * it; the Linux client never sends such values, a hostile guest does.
     */
    @Test
    void aTsetattrWithAnInvalidSizeOrTimeChangesNothing() throws Exception {
        s.walk(TestSession.ROOT, 1, "f");
        FileTime mtime = Files.getLastModifiedTime(share.resolve("f"));
        int chmodAndTruncate = SetAttr.SETATTR_MODE | SetAttr.SETATTR_SIZE;
        for (long size : new long[] {-1L, Long.MIN_VALUE}) {
            assertEquals(
                    Errno.EINVAL,
                    s.fails(new TMessage.Tsetattr(1, new SetAttr(chmodAndTruncate, 0600, 0, 0, size, 0, 0, 0, 0))),
                    "size " + Long.toUnsignedString(size));
        }
        int chmodAndTimes = SetAttr.SETATTR_MODE
                | SetAttr.SETATTR_ATIME
                | SetAttr.SETATTR_ATIME_SET
                | SetAttr.SETATTR_MTIME
                | SetAttr.SETATTR_MTIME_SET;
        for (long nsec : new long[] {-1L, 1_000_000_000L, Long.MAX_VALUE, (1L << 30) - 1 /* UTIME_NOW */}) {
            assertEquals(
                    Errno.EINVAL,
                    s.fails(new TMessage.Tsetattr(1, new SetAttr(chmodAndTimes, 0600, 0, 0, 0, 5, 0, 5, nsec))),
                    "mtime nanoseconds " + nsec);
            assertEquals(
                    Errno.EINVAL,
                    s.fails(new TMessage.Tsetattr(1, new SetAttr(chmodAndTimes, 0600, 0, 0, 0, 5, nsec, 5, 0))),
                    "atime nanoseconds " + nsec);
        }
        assertEquals("rw-r--r--", permissions("f"), "a refused Tsetattr changed the mode");
        assertEquals(7, Files.size(share.resolve("f")));
        assertEquals(mtime, Files.getLastModifiedTime(share.resolve("f")));

        // Nanoseconds of a time not given explicitly ("now") are not looked at, as in the Linux client's requests.
        int now = SetAttr.SETATTR_MTIME;
        s.expect(RMessage.Rsetattr.class, new TMessage.Tsetattr(1, new SetAttr(now, 0, 0, 0, 0, 0, 0, 0, -1)));
        // Seconds far outside the filesystem's range are clamped by the kernel, not refused.
        int explicit = SetAttr.SETATTR_MTIME | SetAttr.SETATTR_MTIME_SET;
        s.expect(
                RMessage.Rsetattr.class,
                new TMessage.Tsetattr(1, new SetAttr(explicit, 0, 0, 0, 0, 0, 0, Long.MIN_VALUE, 999_999_999)));
    }

    /**
     * A size for what cannot be truncated (a directory: EISDIR; a symlink: EINVAL, truncate(2)) was found out only
     * after the mode or owner asked for in the same Tsetattr had been changed.
     */
    @Test
    void aTsetattrTruncatingADirectoryOrSymlinkChangesNothing() throws Exception {
        s.walk(TestSession.ROOT, 1, "d");
        assertEquals(
                Errno.EISDIR,
                s.fails(new TMessage.Tsetattr(
                        1, new SetAttr(SetAttr.SETATTR_MODE | SetAttr.SETATTR_SIZE, 0700, 0, 0, 0, 0, 0, 0, 0))));
        assertEquals("rwxr-xr-x", permissions("d"), "a refused Tsetattr changed the directory's mode");

        Assumptions.assumeTrue(LinuxSyscalls.geteuid() == 0, "chown of a symlink to another user needs root");
        s.walk(TestSession.ROOT, 2, "l");
        int chownAndTruncate = SetAttr.SETATTR_UID | SetAttr.SETATTR_GID | SetAttr.SETATTR_SIZE;
        assertEquals(
                Errno.EINVAL,
                s.fails(new TMessage.Tsetattr(2, new SetAttr(chownAndTruncate, 0, 4321, 4321, 0, 0, 0, 0, 0))));
        assertEquals(0, Files.getAttribute(share.resolve("l"), "unix:uid", LinkOption.NOFOLLOW_LINKS));
    }

    /**
     * open(2) counts O_TRUNC as asking for write access (build_open_flags adds MAY_WRITE), so a directory opened
     * O_RDONLY|O_TRUNC is EISDIR. The gateway dropped the flag for a directory and answered Rlopen: an open recorded
     * as a truncating change that Linux refuses.
     */
    @Test
    void tlopenOfADirectoryWithOTruncIsEisdir() throws Exception {
        s.walk(TestSession.ROOT, 1, "d");
        assertEquals(Errno.EISDIR, s.fails(new TMessage.Tlopen(1, O_RDONLY | P9_TRUNC)));
        s.lopen(1, O_RDONLY); // the fid was left unopened
        assertTrue(Files.isDirectory(share.resolve("d/sub")));
    }

    /**
     * Access mode 3 (O_RDONLY|O_WRONLY) asks open(2) for read and write permission (ACC_MODE 06), so a directory
     * opened with it is EISDIR. The gateway served it as a read and answered Rlopen; a regular file still opens for
     * reading, as before.
     */
    @Test
    void tlopenOfADirectoryWithAccessModeThreeIsEisdir() throws Exception {
        s.walk(TestSession.ROOT, 1, "d");
        assertEquals(Errno.EISDIR, s.fails(new TMessage.Tlopen(1, 3)));
        s.lopen(1, O_RDONLY); // the fid was left unopened
        s.walk(TestSession.ROOT, 2, "f");
        s.lopen(2, 3);
    }

    /**
     * Tlcreate without O_EXCL of a name that is an existing directory answered Rlcreate with the directory's qid and
     * left the fid an open directory. open(2) with O_CREAT of an existing directory is EISDIR, whatever the access
     * mode; the fid stays the directory it was.
     */
    @Test
    void tlcreateWithoutExclOverAnExistingDirectoryIsEisdir() throws Exception {
        s.walk(TestSession.ROOT, 1, "d");
        assertEquals(Errno.EISDIR, s.fails(new TMessage.Tlcreate(1, "sub", O_RDONLY, 0644, 0)));
        assertTrue(Files.isDirectory(share.resolve("d/sub"), LinkOption.NOFOLLOW_LINKS));
        Qid made = s.lcreate(1, "new", 2, 0644); // still the directory "d", unopened
        assertEquals(Qid.QTFILE, made.type());
        assertTrue(Files.isRegularFile(share.resolve("d/new")));
    }

    /**
     * An xattr name is at most 255 bytes (XATTR_NAME_MAX): getxattr(2) and setxattr(2) answer ERANGE for a longer
     * one, before they look at its namespace or the file. The gateway answered EINVAL (get) or, outside
     * {@code user.}, ENODATA and EOPNOTSUPP.
     */
    @Test
    void anXattrNameOf256BytesIsErange() throws Exception {
        String user256 = "user." + "a".repeat(251);
        String trusted256 = "trusted." + "a".repeat(248);
        String user255 = "user." + "a".repeat(250);
        assertEquals(Errno.ERANGE, s.fails(new TMessage.Txattrwalk(TestSession.ROOT, 13, user256)));
        assertEquals(Errno.ERANGE, s.fails(new TMessage.Txattrwalk(TestSession.ROOT, 13, trusted256)));
        assertEquals(Errno.ENODATA, s.fails(new TMessage.Txattrwalk(TestSession.ROOT, 13, user255)), "255 fits");
        s.walk(TestSession.ROOT, 10, "f");
        assertEquals(Errno.ERANGE, s.fails(new TMessage.Txattrcreate(10, user256, 1, 0)));
        assertEquals(Errno.ERANGE, s.fails(new TMessage.Txattrcreate(10, trusted256, 1, 0)));
        s.walk(TestSession.ROOT, 11, "f");
        assertEquals(Errno.ERANGE, s.fails(new TMessage.Txattrcreate(11, "user." + "\u00e9".repeat(126), 1, 0)));
    }

    /**
     * Linux keeps user.* xattrs off everything but regular files and directories (xattr_permission): on a symlink
     * setxattr is EPERM and getxattr ENODATA. The gateway answered EOPNOTSUPP for both.
     */
    @Test
    void aUserXattrOfASymlinkIsEpermToSetAndEnodataToGet() throws Exception {
        s.walk(TestSession.ROOT, 1, "l");
        assertEquals(Errno.EPERM, s.fails(new TMessage.Txattrcreate(1, "user.x", 1, 0)));
        s.walk(TestSession.ROOT, 2, "l");
        assertEquals(Errno.ENODATA, s.fails(new TMessage.Txattrwalk(2, 3, "user.x")));
    }

    /**
     * llistxattr(2) of a symlink lists the link's own attributes, never its target's, and a symlink never holds a
     * {@code user.} one (the only served namespace): the list is empty. The gateway answered EOPNOTSUPP.
     */
    @Test
    void listingASymlinksXattrsIsAnEmptyListNotItsTargets() throws Exception {
        Files.getFileAttributeView(share.resolve("f"), java.nio.file.attribute.UserDefinedFileAttributeView.class)
                .write("target", java.nio.ByteBuffer.wrap(new byte[] {'t'}));
        s.walk(TestSession.ROOT, 1, "l");
        assertEquals(
                0,
                s.expect(RMessage.Rxattrwalk.class, new TMessage.Txattrwalk(1, 2, ""))
                        .size());
    }

    /**
     * fcntl(2) F_SETLK/F_GETLK of a range whose last byte is past 2^63 - 1 is EOVERFLOW (flock_to_posix_lock). The
     * gateway took start + length that overflowed as a lock to the end of the file; a range that ends at 2^63 - 1
     * exactly is a lock like any other.
     */
    @Test
    void aLockRangePast2To63IsEoverflow() throws Exception {
        s.walk(TestSession.ROOT, 1, "f");
        s.lopen(1, 2);
        int wrlck = io.p9gate.gateway.proto.LockConstants.LOCK_TYPE_WRLCK;
        assertEquals(Errno.EOVERFLOW, s.fails(new TMessage.Tlock(1, wrlck, 0, Long.MAX_VALUE, 2, 1, "guest")));
        assertEquals(Errno.EOVERFLOW, s.fails(new TMessage.Tlock(1, wrlck, 0, 1L << 62, (1L << 62) + 1, 1, "guest")));
        assertEquals(Errno.EOVERFLOW, s.fails(new TMessage.Tgetlock(1, wrlck, Long.MAX_VALUE, 2, 1, "guest")));
        RMessage.Rlock last =
                s.expect(RMessage.Rlock.class, new TMessage.Tlock(1, wrlck, 0, Long.MAX_VALUE, 1, 1, "guest"));
        assertEquals(io.p9gate.gateway.proto.LockConstants.LOCK_SUCCESS, last.status(), "the last byte there is");
    }

    /**
     * open(2) with O_CREAT|O_DIRECTORY is EINVAL (Linux 6.4 on; before, it made a regular file and answered
     * ENOTDIR). The gateway dropped O_DIRECTORY and made a regular file.
     */
    @Test
    void tlcreateWithODirectoryIsEinvalAndMakesNothing() throws Exception {
        s.walk(TestSession.ROOT, 1, "d");
        assertEquals(Errno.EINVAL, s.fails(new TMessage.Tlcreate(1, "made", 0200000 | 2, 0644, 0)));
        assertFalse(Files.exists(share.resolve("d/made"), LinkOption.NOFOLLOW_LINKS));
        s.lcreate(1, "made", 2, 0644); // the fid is still the directory, unopened
    }

    /**
     * link(2) looks the new name up before it looks at what it links: a directory linked into a file is ENOTDIR, to
     * a name that exists EEXIST, and only to a free name EPERM. The gateway answered EPERM for all three.
     */
    @Test
    void tlinkOfADirectoryLooksAtTheNewNameFirst() throws Exception {
        s.walk(TestSession.ROOT, 1, "d");
        s.walk(TestSession.ROOT, 2, "f");
        assertEquals(Errno.EEXIST, s.fails(new TMessage.Tlink(TestSession.ROOT, 1, "f")));
        assertEquals(Errno.ENOTDIR, s.fails(new TMessage.Tlink(2, 1, "x")));
        assertEquals(Errno.EPERM, s.fails(new TMessage.Tlink(TestSession.ROOT, 1, "free")));
        assertFalse(Files.exists(share.resolve("free"), LinkOption.NOFOLLOW_LINKS));
        assertEquals("content", Files.readString(share.resolve("f")));
    }
}
