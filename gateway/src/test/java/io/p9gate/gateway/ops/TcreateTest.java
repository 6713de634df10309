package io.p9gate.gateway.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.Qid;
import io.p9gate.gateway.proto.RMessage;
import io.p9gate.gateway.proto.Stat;
import io.p9gate.gateway.proto.TMessage;
import io.p9gate.policy.dialect.Dialect;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Tcreate of 9P2000 and 9P2000.u (create(5)) as the 9P2000.L requests that do the same (issue 14). */
class TcreateTest extends ShareTestBase {
    private static final int OREAD = 0;
    private static final int OWRITE = 1;
    private static final int ORDWR = 2;
    private static final int OTRUNC = 0x10;
    private static final int ORCLOSE = 0x40;
    private static final int DMLINK = 0x01000000;

    private static Optional<String> none() {
        return Optional.empty();
    }

    @Test
    void aFileIsCreatedOpenedWithItsModeAndOnlyOnce() throws Exception {
        try (TestSession s = TestSession.attached(factory, Dialect.LEGACY)) {
            s.walk(TestSession.ROOT, 1);
            RMessage.Rcreate r = s.expect(RMessage.Rcreate.class, new TMessage.Tcreate(1, "new", 0640, ORDWR, none()));
            assertEquals(Qid.QTFILE, r.qid().type());
            assertEquals(3, s.write(1, 0, "abc".getBytes(StandardCharsets.UTF_8)));
            assertEquals("abc", Files.readString(share.resolve("new")));
            assertEquals(
                    "rw-r-----", PosixFilePermissions.toString(Files.getPosixFilePermissions(share.resolve("new"))));
            s.walk(TestSession.ROOT, 2);
            assertEquals(Errno.EEXIST, s.fails(new TMessage.Tcreate(2, "new", 0640, ORDWR, none())));
        }
    }

    @Test
    void aDirectoryIsMadeWithDmdirAndItsFidListsIt() throws Exception {
        try (TestSession s = TestSession.attached(factory, Dialect.LEGACY)) {
            s.walk(TestSession.ROOT, 1);
            RMessage.Rcreate r =
                    s.expect(RMessage.Rcreate.class, new TMessage.Tcreate(1, "d", Stat.DMDIR | 0750, OREAD, none()));
            assertEquals(Qid.QTDIR, r.qid().type());
            assertTrue(Files.isDirectory(share.resolve("d")));
            s.expect(RMessage.Rdirread.class, new TMessage.Tread(1, 0, 8192));
        }
    }

    /**
     * create(5) on a fid already open is an error and changes nothing: the directory, symlink and device paths made
     * the entry and then walked the open fid onto it, dropping the open file (and an ORCLOSE's removal with it).
     */
    @Test
    void aCreateOnAnOpenFidIsRefusedBeforeAnythingIsMade() throws Exception {
        Files.createDirectories(share.resolve("dir"));
        try (TestSession s = TestSession.attached(factory, Dialect.U)) {
            s.walk(TestSession.ROOT, 1, "dir");
            s.expect(RMessage.Ropen.class, new TMessage.Topen(1, OREAD));
            assertEquals(Errno.EINVAL, s.fails(new TMessage.Tcreate(1, "d", Stat.DMDIR | 0750, OREAD, none())));
            assertEquals(
                    Errno.EINVAL,
                    s.fails(new TMessage.Tcreate(1, "l", Stat.DMSYMLINK | 0777, OREAD, Optional.of("x"))));
            assertEquals(Errno.EINVAL, s.fails(new TMessage.Tcreate(1, "f", 0640, ORDWR, none())));
            assertTrue(Files.notExists(share.resolve("dir/d")) && Files.notExists(share.resolve("dir/l")));
            s.expect(RMessage.Rdirread.class, new TMessage.Tread(1, 0, 8192)); // still the open directory
        }
    }

    /**
     * create(5): the mode is as in open(5), so a file created with ORCLOSE is removed when its fid is clunked, as a
     * Topen'ed one is. The created file's fid forgot it: the file stayed (taking the VM's quota) and no removal was
     * decided or recorded, at the clunk or at the session's end.
     */
    @Test
    void aFileCreatedWithOrcloseIsRemovedAtClunkAndAtTheSessionsEnd() throws Exception {
        try (TestSession s = TestSession.attached(factory, Dialect.LEGACY)) {
            s.walk(TestSession.ROOT, 1);
            s.expect(RMessage.Rcreate.class, new TMessage.Tcreate(1, "scratch", 0640, ORDWR | ORCLOSE, none()));
            assertEquals(3, s.write(1, 0, "abc".getBytes(StandardCharsets.UTF_8)));
            assertTrue(Files.exists(share.resolve("scratch")), "there until the clunk");
            s.clunk(1);
            assertTrue(Files.notExists(share.resolve("scratch")), "removed at the clunk");
            s.walk(TestSession.ROOT, 2);
            s.expect(RMessage.Rcreate.class, new TMessage.Tcreate(2, "left", 0640, ORDWR | ORCLOSE, none()));
        }
        assertTrue(Files.notExists(share.resolve("left")), "removed at the session's end");
    }

    /**
     * open(5): a directory cannot be opened to write or truncate, so create(5) of one in such a mode fails, and a
     * failed create changes nothing: the directory was made and the fid walked onto it before the open refused
     * (EISDIR), leaving a directory the guest was told was not made and a fid that no longer named its parent.
     */
    @Test
    void aDirectoryAskedOpenForWritingIsRefusedBeforeItIsMade() throws Exception {
        try (TestSession s = TestSession.attached(factory, Dialect.U)) {
            s.walk(TestSession.ROOT, 1);
            Qid parent = s.expect(RMessage.Rstat.class, new TMessage.Tstat(1))
                    .stat()
                    .common()
                    .qid();
            for (int mode : new int[] {OWRITE, ORDWR, OREAD | OTRUNC}) {
                assertEquals(
                        Errno.EISDIR,
                        s.fails(new TMessage.Tcreate(1, "d" + mode, Stat.DMDIR | 0750, mode, none())),
                        "mode " + mode);
                assertTrue(Files.notExists(share.resolve("d" + mode)), "mode " + mode + " made the directory");
            }
            assertEquals(
                    parent,
                    s.expect(RMessage.Rstat.class, new TMessage.Tstat(1))
                            .stat()
                            .common()
                            .qid(),
                    "the fid still names the directory it named");
        }
    }

    @Test
    void unixSpecialFilesComeFromTheExtension() throws Exception {
        Files.writeString(share.resolve("target"), "t");
        try (TestSession s = TestSession.attached(factory, Dialect.U)) {
            s.walk(TestSession.ROOT, 1);
            s.expect(
                    RMessage.Rcreate.class,
                    new TMessage.Tcreate(1, "l", Stat.DMSYMLINK | 0777, OREAD, Optional.of("target")));
            assertEquals(Path.of("target"), Files.readSymbolicLink(share.resolve("l")));
            s.walk(TestSession.ROOT, 2);
            s.expect(
                    RMessage.Rcreate.class,
                    new TMessage.Tcreate(2, "p", Stat.DMNAMEDPIPE | 0644, OREAD, Optional.of("")));
            assertEquals(
                    "p",
                    Files.getAttribute(share.resolve("p"), "unix:mode", LinkOption.NOFOLLOW_LINKS) instanceof Integer m
                                    && (m & 0170000) == 0010000
                            ? "p"
                            : "not a fifo");
            // A hard link: the Linux client names the existing file by its fid, "%d\n".
            s.walk(TestSession.ROOT, 3, "target");
            s.walk(TestSession.ROOT, 4);
            s.expect(RMessage.Rcreate.class, new TMessage.Tcreate(4, "hard", DMLINK, OREAD, Optional.of("3\n")));
            assertEquals(
                    Files.getAttribute(share.resolve("target"), "unix:ino"),
                    Files.getAttribute(share.resolve("hard"), "unix:ino"));
        }
    }

    /** A hard link's fid is the Linux client's "%d\n": a sign or another script's digits name no fid. */
    @Test
    void aHardLinksFidIsAsciiDecimal() throws Exception {
        Files.writeString(share.resolve("target"), "t");
        try (TestSession s = TestSession.attached(factory, Dialect.U)) {
            s.walk(TestSession.ROOT, 3, "target");
            s.walk(TestSession.ROOT, 4);
            for (String ext : new String[] {"+3\n", "\u0663\n", "\uff13"}) {
                assertEquals(
                        Errno.EINVAL, s.fails(new TMessage.Tcreate(4, "hard", DMLINK, OREAD, Optional.of(ext))), ext);
                assertTrue(Files.notExists(share.resolve("hard")), ext);
            }
        }
    }

    @Test
    void plain9P2000HasNoSpecialFiles() throws Exception {
        try (TestSession s = TestSession.attached(factory, Dialect.LEGACY)) {
            s.walk(TestSession.ROOT, 1);
            assertEquals(Errno.EINVAL, s.fails(new TMessage.Tcreate(1, "l", Stat.DMSYMLINK | 0777, OREAD, none())));
            assertTrue(Files.notExists(share.resolve("l"), LinkOption.NOFOLLOW_LINKS));
        }
    }
}
