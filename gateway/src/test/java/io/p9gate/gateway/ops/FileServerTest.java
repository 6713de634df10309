package io.p9gate.gateway.ops;

import static io.p9gate.gateway.testing.Root.assumeRoot;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.backend.LinuxSyscalls;
import io.p9gate.gateway.proto.Attr;
import io.p9gate.gateway.proto.DirEntry;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.Qid;
import io.p9gate.gateway.proto.RMessage;
import io.p9gate.gateway.proto.SetAttr;
import io.p9gate.gateway.proto.TMessage;
import io.p9gate.gateway.wiring.ShareServerFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** Every 9P2000.L file operation through FileServer on a temp directory (R-PROTO-4/5/6). */
class FileServerTest extends ShareTestBase {
    static final int RDONLY = 0;
    static final int RDWR = 2;
    static final int TRUNC = 01000;

    @Override
    void populate() throws Exception {
        Files.writeString(share.resolve("hello.txt"), "hello world");
        Files.createDirectories(share.resolve("dir/sub"));
    }

    static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void attachNeedsAKnownShareAndNoAfid() throws Exception {
        try (TestSession other = TestSession.open(factory)) {
            assertEquals(Errno.ENOENT, other.fails(new TMessage.Tattach(1, TMessage.NOFID, "u", "nope", 0)));
            assertEquals(Errno.EINVAL, other.fails(new TMessage.Tattach(1, 7, "u", "share", 0)));
            Qid root = other.expect(
                            RMessage.Rattach.class, new TMessage.Tattach(1, TMessage.NOFID, "u", "", TMessage.NONUNAME))
                    .qid();
            assertTrue(root.isDirectory());
            assertEquals(Errno.EINVAL, other.fails(new TMessage.Tattach(1, TMessage.NOFID, "u", "share", 0)));
        }
    }

    @Test
    void authAnswersNoAuthenticationRequired() {
        assertEquals(Errno.ENOENT, s.fails(new TMessage.Tauth(5, "u", "share", 0)));
    }

    @Test
    void walkCloneFullAndPartial() throws Exception {
        assertEquals(List.of(), s.walk(0, 1));
        assertEquals(2, s.walk(0, 2, "dir", "sub").size());
        List<Qid> partial = s.walk(0, 3, "dir", "missing", "x");
        assertEquals(1, partial.size());
        assertEquals(Errno.EBADF, s.fails(new TMessage.Tgetattr(3, 0)));
        assertEquals(Errno.ENOENT, s.fails(new TMessage.Twalk(0, 3, List.of("missing"))));
        assertEquals(Errno.EINVAL, s.fails(new TMessage.Twalk(0, 2, List.of("dir"))));
        // newfid == fid walks in place
        s.walk(2, 2, "..");
        assertEquals(s.getattr(2).attr().qid(), s.walk(0, 4, "dir").get(0));
        assertEquals(
                Errno.EINVAL,
                s.fails(new TMessage.Twalk(
                        0,
                        9,
                        List.of("a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m", "n", "o", "p", "q"))));
        assertEquals(1, s.walk(0, 8, "hello.txt", "x").size(), "partial walk stops at the file");
        s.walk(0, 9, "hello.txt");
        assertEquals(Errno.ENOTDIR, s.fails(new TMessage.Twalk(9, 10, List.of("x"))));
    }

    @Test
    void openReadWriteAndIounit() throws Exception {
        s.walk(0, 1, "hello.txt");
        RMessage.Rlopen open = s.expect(RMessage.Rlopen.class, new TMessage.Tlopen(1, RDWR));
        assertEquals(TestSession.MSIZE - 23, open.iounit());
        assertEquals("hello world", s.readString(1));
        assertEquals(5, s.write(1, 6, bytes("there")));
        assertEquals("hello there", Files.readString(share.resolve("hello.txt")));
        assertEquals(0, s.read(1, 100, 10).length);
        assertEquals(Errno.EINVAL, s.fails(new TMessage.Tlopen(1, RDONLY)));
        s.expect(RMessage.Rfsync.class, new TMessage.Tfsync(1, 0));
        s.clunk(1);
        assertEquals(Errno.EBADF, s.fails(new TMessage.Tread(1, 0, 1)));
    }

    @Test
    void readOnlyFidRefusesWritesAndUnopenedFidRefusesIo() throws Exception {
        s.walk(0, 1, "hello.txt");
        assertEquals(Errno.EBADF, s.fails(new TMessage.Tread(1, 0, 10)));
        s.lopen(1, RDONLY);
        assertEquals(
                Errno.EBADF, s.fails(new TMessage.Twrite(1, 0, io.netty.buffer.Unpooled.wrappedBuffer(bytes("x")))));
    }

    @Test
    void anUnexpectedFaultFailsTheRequestWithEioAndTheSessionLivesOn() throws Exception {
        s.walk(0, 1, "hello.txt");
        s.lopen(1, RDWR);
        assertEquals(Errno.EIO, s.fails(new TMessage.Twrite(1, 0, null)));
        assertEquals("hello world", s.readString(1));
    }

    @Test
    void truncateOnOpen() throws Exception {
        s.walk(0, 1, "hello.txt");
        s.lopen(1, RDWR | TRUNC);
        assertEquals(0, Files.size(share.resolve("hello.txt")));
    }

    @Test
    void directoriesRefuseReadAndFilesRefuseReaddir() throws Exception {
        s.walk(0, 1, "dir");
        assertEquals(Errno.EISDIR, s.fails(new TMessage.Tlopen(1, RDWR)));
        s.lopen(1, RDONLY);
        assertEquals(Errno.EISDIR, s.fails(new TMessage.Tread(1, 0, 10)));
        s.walk(0, 2, "hello.txt");
        s.lopen(2, RDONLY);
        assertEquals(Errno.ENOTDIR, s.fails(new TMessage.Treaddir(2, 0, 4096)));
        s.walk(0, 3, "hello.txt");
        assertEquals(Errno.ENOTDIR, s.fails(new TMessage.Tlopen(3, 0200000)));
    }

    /** New files belong to the guest user; the chown is skipped only when they already do (root gateway). */
    @Test
    void createdFilesAndDirectoriesBelongToTheGuestUser() throws Exception {
        Assumptions.assumeTrue(LinuxSyscalls.geteuid() == 0, "chown to another user needs root");
        try (TestSession guest = TestSession.open(factory)) {
            guest.call(new TMessage.Tattach(TestSession.ROOT, TMessage.NOFID, "guest", "share", 4321));
            guest.walk(TestSession.ROOT, 1);
            guest.expect(RMessage.Rlcreate.class, new TMessage.Tlcreate(1, "theirs.txt", RDWR, 0644, 4322));
            guest.expect(RMessage.Rmkdir.class, new TMessage.Tmkdir(TestSession.ROOT, "theirs.d", 0755, 4322));
        }
        for (String name : List.of("theirs.txt", "theirs.d")) {
            assertEquals(4321, Files.getAttribute(share.resolve(name), "unix:uid"), name);
            assertEquals(4322, Files.getAttribute(share.resolve(name), "unix:gid"), name);
        }
        s.walk(TestSession.ROOT, 1);
        s.lcreate(1, "mine.txt", RDWR, 0644);
        assertEquals(0, Files.getAttribute(share.resolve("mine.txt"), "unix:uid"));
        assertEquals(0, Files.getAttribute(share.resolve("mine.txt"), "unix:gid"));
    }

    @Test
    void lcreateOfAnExistingFileKeepsItsOwner() throws Exception {
        Assumptions.assumeTrue(LinuxSyscalls.geteuid() == 0, "files of another user need root");
        Path victim = Files.writeString(share.resolve("victim.txt"), "not yours");
        Files.setAttribute(victim, "unix:uid", 1111);
        Files.setAttribute(victim, "unix:gid", 1112);
        try (TestSession guest = TestSession.open(factory)) {
            guest.call(new TMessage.Tattach(TestSession.ROOT, TMessage.NOFID, "guest", "share", 4321));
            guest.walk(TestSession.ROOT, 1);
            guest.expect(RMessage.Rlcreate.class, new TMessage.Tlcreate(1, "victim.txt", RDWR, 0644, 4322));
        }
        assertEquals(1111, Files.getAttribute(victim, "unix:uid"), "an opened existing file is not chowned");
        assertEquals(1112, Files.getAttribute(victim, "unix:gid"));
    }

    /**
     * Tmkdir, Tmknod and Tsymlink onto a name that exists answer EEXIST and leave the directory alone. Since each is
     * made under a temporary name and renamed to the guest's only if that is free, an existing name made the entry,
     * finished it, failed the rename and removed it: the directory's mtime, and so the qid version a client caches
     * by, changed, over seven host calls for an EEXIST.
     */
    @Test
    void makingOverAnExistingNameLeavesTheDirectoryAlone() throws Exception {
        Path dir = share.resolve("dir");
        FileTime old = FileTime.fromMillis(1_000_000_000_000L);
        Files.setLastModifiedTime(dir, old);
        s.walk(0, 1, "dir");
        for (TMessage.FileRequest make : List.<TMessage.FileRequest>of(
                new TMessage.Tmkdir(1, "sub", 0755, 0),
                new TMessage.Tmknod(1, "sub", 0010644, 0, 0, 0),
                new TMessage.Tsymlink(1, "sub", "target", 0))) {
            assertEquals(Errno.EEXIST, s.fails(make), make.toString());
            assertEquals(old, Files.getLastModifiedTime(dir), "the directory was changed by " + make);
        }
        try (var entries = Files.list(dir)) {
            assertEquals(List.of(dir.resolve("sub")), entries.toList());
        }
        assertTrue(Files.isDirectory(dir.resolve("sub"), java.nio.file.LinkOption.NOFOLLOW_LINKS));
    }

    @Test
    void lcreateTurnsTheFidIntoTheNewFile() throws Exception {
        s.walk(0, 1, "dir");
        Qid q = s.lcreate(1, "new.txt", RDWR, 0640);
        assertFalse(q.isDirectory());
        assertEquals(3, s.write(1, 0, bytes("abc")));
        assertEquals("abc", new String(s.read(1, 0, 10), StandardCharsets.UTF_8));
        assertEquals("abc", Files.readString(share.resolve("dir/new.txt")));
        assertEquals(
                "rw-r-----",
                PosixFilePermissions.toString(Files.getPosixFilePermissions(share.resolve("dir/new.txt"))));
        s.walk(0, 2, "dir");
        assertEquals(Errno.EEXIST, s.fails(new TMessage.Tlcreate(2, "new.txt", RDWR | 0200, 0644, 0)));
        // Without O_EXCL an existing file is opened.
        s.lcreate(2, "new.txt", RDONLY, 0644);
        assertEquals("abc", s.readString(2));
    }

    @Test
    void lcreateOwnerIsTheGuestUserWhenPrivileged() throws Exception {
        assumeRoot("creating a file owned by another user");
        try (TestSession user = TestSession.open(factory)) {
            user.call(new TMessage.Tattach(1, TMessage.NOFID, "", "share", 1234));
            user.expect(RMessage.Rlcreate.class, new TMessage.Tlcreate(1, "owned", RDWR, 0644, 4321));
            assertEquals(1234, Files.getAttribute(share.resolve("owned"), "unix:uid"));
            assertEquals(4321, Files.getAttribute(share.resolve("owned"), "unix:gid"));
        }
    }

    @Test
    void mkdirSymlinkMknodLinkReadlink() throws Exception {
        Qid d = s.expect(RMessage.Rmkdir.class, new TMessage.Tmkdir(0, "made", 0755, 0))
                .qid();
        assertTrue(d.isDirectory());
        assertTrue(Files.isDirectory(share.resolve("made")));
        Qid l = s.expect(RMessage.Rsymlink.class, new TMessage.Tsymlink(0, "ln", "hello.txt", 0))
                .qid();
        assertEquals(Qid.QTSYMLINK, l.type());
        s.walk(0, 1, "ln");
        assertEquals(
                "hello.txt",
                s.expect(RMessage.Rreadlink.class, new TMessage.Treadlink(1)).target());
        assertEquals(Errno.EINVAL, s.fails(new TMessage.Treadlink(0)));
        s.expect(RMessage.Rmknod.class, new TMessage.Tmknod(0, "fifo", 0010644, 0, 0, 0));
        assertEquals("p", kind(share.resolve("fifo")));
        s.walk(0, 2, "hello.txt");
        s.expect(RMessage.Rlink.class, new TMessage.Tlink(0, 2, "hard"));
        assertEquals(2, ((Number) Files.getAttribute(share.resolve("hello.txt"), "unix:nlink")).intValue());
        assertEquals(Errno.EEXIST, s.fails(new TMessage.Tmkdir(0, "made", 0755, 0)));
        assertEquals(Errno.EINVAL, s.fails(new TMessage.Tmkdir(0, "a/b", 0755, 0)));
        assertEquals(Errno.EINVAL, s.fails(new TMessage.Tmkdir(0, "..", 0755, 0)));
        assertEquals(Errno.EPERM, s.fails(new TMessage.Tlink(0, 0, "rootlink")));
    }

    private static String kind(Path p) throws Exception {
        var attrs = Files.readAttributes(
                p, java.nio.file.attribute.BasicFileAttributes.class, java.nio.file.LinkOption.NOFOLLOW_LINKS);
        return attrs.isOther() ? "p" : attrs.isDirectory() ? "d" : "f";
    }

    @Test
    void renameKeepsFidValidGuestAndHost() throws Exception {
        s.walk(0, 1, "hello.txt");
        s.walk(0, 2, "dir");
        s.expect(RMessage.Rrename.class, new TMessage.Trename(1, 2, "moved.txt"));
        assertTrue(Files.exists(share.resolve("dir/moved.txt")));
        s.lopen(1, RDONLY);
        assertEquals("hello world", s.readString(1));
        // host-side rename of a parent: the fid still names the file and can still be renamed/removed
        Files.move(share.resolve("dir"), share.resolve("dir2"));
        assertEquals("hello world", s.readString(1));
        s.walk(0, 3, "dir2", "moved.txt");
        s.expect(RMessage.Rrename.class, new TMessage.Trename(3, 0, "back.txt"));
        assertTrue(Files.exists(share.resolve("back.txt")));
        s.expect(RMessage.Rremove.class, new TMessage.Tremove(3));
        assertFalse(Files.exists(share.resolve("back.txt")));
        assertEquals(Errno.EBADF, s.fails(new TMessage.Tgetattr(3, 0)));
    }

    @Test
    void hostRenameOfTheFileItselfKeepsTheFidNamingIt() throws Exception {
        s.walk(0, 1, "hello.txt");
        Qid before = s.getattr(1).attr().qid();
        Files.move(share.resolve("hello.txt"), share.resolve("dir/sub/renamed.txt"));
        Files.writeString(share.resolve("hello.txt"), "an impostor at the old name");
        assertEquals(before.path(), s.getattr(1).attr().qid().path());
        s.lopen(1, RDONLY);
        assertEquals("hello world", s.readString(1));
        s.walk(0, 2, "dir", "sub", "renamed.txt");
        s.expect(RMessage.Rrename.class, new TMessage.Trename(2, 0, "home.txt"));
        assertEquals("hello world", Files.readString(share.resolve("home.txt")));
        assertEquals("an impostor at the old name", Files.readString(share.resolve("hello.txt")));
    }

    @Test
    void renameatAndUnlinkat() throws Exception {
        s.walk(0, 1, "dir");
        s.expect(RMessage.Rrenameat.class, new TMessage.Trenameat(0, "hello.txt", 1, "h.txt"));
        assertTrue(Files.exists(share.resolve("dir/h.txt")));
        assertEquals(Errno.ENOENT, s.fails(new TMessage.Trenameat(0, "hello.txt", 1, "x")));
        assertEquals(Errno.ENOTEMPTY, s.fails(new TMessage.Tunlinkat(0, "dir", EntryOps.AT_REMOVEDIR)));
        assertEquals(Errno.EISDIR, s.fails(new TMessage.Tunlinkat(1, "sub", 0)));
        s.expect(RMessage.Runlinkat.class, new TMessage.Tunlinkat(1, "sub", EntryOps.AT_REMOVEDIR));
        s.expect(RMessage.Runlinkat.class, new TMessage.Tunlinkat(1, "h.txt", 0));
        assertFalse(Files.exists(share.resolve("dir/h.txt")));
    }

    @Test
    void removeClunksEvenWhenItFails() throws Exception {
        s.walk(0, 1, "dir");
        assertEquals(Errno.ENOTEMPTY, s.fails(new TMessage.Tremove(1)));
        assertEquals(Errno.EBADF, s.fails(new TMessage.Tgetattr(1, 0)));
        assertEquals(Errno.EBUSY, s.fails(new TMessage.Tremove(0)));
    }

    @Test
    void openUnlinkRead() throws Exception {
        s.walk(0, 1, "hello.txt");
        s.lopen(1, RDONLY);
        s.expect(RMessage.Runlinkat.class, new TMessage.Tunlinkat(0, "hello.txt", 0));
        assertEquals("hello world", s.readString(1));
        RMessage.Rgetattr attr = s.getattr(1);
        assertEquals(11, attr.attr().size());
        assertEquals(0, attr.attr().nlink());
    }

    @Test
    void getattrAndQids() throws Exception {
        s.walk(0, 1, "hello.txt");
        Attr a = s.getattr(1).attr();
        assertEquals(11, a.size());
        assertEquals(0100000, a.mode() & 0170000);
        assertEquals(Attr.GETATTR_BASIC | Attr.GETATTR_BTIME, a.valid());
        s.walk(0, 2, "hello.txt");
        assertEquals(a.qid().path(), s.getattr(2).attr().qid().path());
        s.walk(0, 3, "dir");
        assertNotEquals(a.qid().path(), s.getattr(3).attr().qid().path());
        s.lopen(2, RDWR);
        s.write(2, 11, bytes("!"));
        Qid after = s.getattr(1).attr().qid();
        assertEquals(a.qid().path(), after.path());
        assertNotEquals(a.qid().version(), after.version());
    }

    @Test
    void setattrModeOwnerSizeTimes() throws Exception {
        s.walk(0, 1, "hello.txt");
        s.expect(
                RMessage.Rsetattr.class,
                new TMessage.Tsetattr(1, new SetAttr(SetAttr.SETATTR_MODE, 0600, 0, 0, 0, 0, 0, 0, 0)));
        assertEquals(
                "rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(share.resolve("hello.txt"))));
        s.expect(
                RMessage.Rsetattr.class,
                new TMessage.Tsetattr(1, new SetAttr(SetAttr.SETATTR_SIZE, 0, 0, 0, 5, 0, 0, 0, 0)));
        assertEquals("hello", Files.readString(share.resolve("hello.txt")));
        int bits =
                SetAttr.SETATTR_ATIME | SetAttr.SETATTR_ATIME_SET | SetAttr.SETATTR_MTIME | SetAttr.SETATTR_MTIME_SET;
        s.expect(RMessage.Rsetattr.class, new TMessage.Tsetattr(1, new SetAttr(bits, 0, 0, 0, 0, 1000, 5, 2000, 7)));
        assertEquals(
                FileTime.from(java.time.Instant.ofEpochSecond(2000, 7)),
                Files.getLastModifiedTime(share.resolve("hello.txt")));
        Attr a = s.getattr(1).attr();
        assertEquals(1000, a.atimeSec());
        assertEquals(7, a.mtimeNsec());
        s.expect(
                RMessage.Rsetattr.class,
                new TMessage.Tsetattr(1, new SetAttr(SetAttr.SETATTR_MTIME, 0, 0, 0, 0, 0, 0, 0, 0)));
        assertTrue(s.getattr(1).attr().mtimeSec() > 1_600_000_000L, "mtime set to now");
        s.walk(0, 2, "dir");
        assertEquals(
                Errno.EISDIR,
                s.fails(new TMessage.Tsetattr(2, new SetAttr(SetAttr.SETATTR_SIZE, 0, 0, 0, 0, 0, 0, 0, 0))));
    }

    @Test
    void setattrOwnerWhenPrivileged() throws Exception {
        assumeRoot("chown to another user");
        s.walk(0, 1, "hello.txt");
        s.expect(
                RMessage.Rsetattr.class,
                new TMessage.Tsetattr(
                        1, new SetAttr(SetAttr.SETATTR_UID | SetAttr.SETATTR_GID, 0, 777, 888, 0, 0, 0, 0, 0)));
        assertEquals(777, Files.getAttribute(share.resolve("hello.txt"), "unix:uid"));
        assertEquals(888, s.getattr(1).attr().gid());
    }

    @Test
    void statfs() throws Exception {
        var st = s.expect(RMessage.Rstatfs.class, new TMessage.Tstatfs(0)).statfs();
        assertTrue(st.bsize() > 0);
        assertTrue(st.blocks() > 0);
        assertEquals(255, st.namelen());
    }

    @Test
    void readdirListsDotEntriesAndContinuesAtOffsets() throws Exception {
        s.walk(0, 1);
        s.lopen(1, RDONLY);
        List<DirEntry> all = readAll(s, 1, 100);
        List<String> names = all.stream().map(DirEntry::name).sorted().toList();
        assertEquals(List.of(".", "..", "dir", "hello.txt"), names);
        DirEntry dir =
                all.stream().filter(e -> e.name().equals("dir")).findFirst().orElseThrow();
        assertEquals(4, dir.type());
        assertEquals(s.walk(0, 2, "dir").get(0).path(), dir.qid().path());
        DirEntry dotdot =
                all.stream().filter(e -> e.name().equals("..")).findFirst().orElseThrow();
        assertEquals(s.getattr(0).attr().qid().path(), dotdot.qid().path(), "root's .. is the root");
        assertEquals(Errno.EINVAL, s.fails(new TMessage.Treaddir(1, 0, 10)), "a count that fits no entry");
    }

    /** Reads a whole directory with Treaddir calls of {@code count} bytes. */
    static List<DirEntry> readAll(TestSession s, int fid, int count) throws Exception {
        List<DirEntry> out = new java.util.ArrayList<>();
        long offset = 0;
        while (true) {
            List<DirEntry> batch = s.expect(RMessage.Rreaddir.class, new TMessage.Treaddir(fid, offset, count))
                    .entries();
            if (batch.isEmpty()) {
                return out;
            }
            int size = batch.stream().mapToInt(DirEntry::wireSize).sum();
            assertTrue(size <= count, "entries fit in count");
            out.addAll(batch);
            offset = batch.get(batch.size() - 1).offset();
        }
    }

    @Test
    void sparseFileBeyondFourGiB() throws Exception {
        s.lcreate(0, "sparse", RDWR, 0644);
        long offset = 5L << 30;
        assertEquals(4, s.write(0, offset, bytes("tail")));
        Attr a = s.getattr(0).attr();
        assertEquals(offset + 4, a.size());
        assertTrue(a.blocks() < 1024, "sparse: only a few blocks allocated, got " + a.blocks());
        assertEquals("tail", new String(s.read(0, offset, 100), StandardCharsets.UTF_8));
        assertArrayEquals(new byte[8], s.read(0, 4L << 30, 8));
    }

    @Test
    void clunkReleasesAndSessionCloseReleasesEverything() throws Exception {
        s.walk(0, 1, "hello.txt");
        s.clunk(1);
        assertEquals(Errno.EBADF, s.fails(new TMessage.Tclunk(1)));
        s.walk(0, 1, "hello.txt");
        s.lopen(1, RDONLY);
        s.close();
        assertEquals(Errno.EBADF, s.fails(new TMessage.Tread(1, 0, 1)));
    }

    @Test
    void twoSharesAreSeparate() throws Exception {
        Path other = Files.createDirectories(tmp.resolve("other"));
        Files.writeString(other.resolve("o.txt"), "o");
        try (ShareServerFactory two = new ShareServerFactory(Map.of("a", share, "b", other));
                TestSession t = TestSession.open(two)) {
            t.call(new TMessage.Tattach(1, TMessage.NOFID, "", "a", 0));
            t.call(new TMessage.Tattach(2, TMessage.NOFID, "", "b", 0));
            assertEquals(Errno.ENOENT, t.fails(new TMessage.Tattach(3, TMessage.NOFID, "", "", 0)));
            t.walk(2, 4, "o.txt");
            assertEquals(Errno.EXDEV, t.fails(new TMessage.Tlink(1, 4, "x")));
            assertEquals(Errno.EXDEV, t.fails(new TMessage.Trename(4, 1, "x")));
        }
    }
}
