package io.p9gate.gateway.ops;

import static io.p9gate.gateway.testing.Root.assumeRoot;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.Qid;
import io.p9gate.gateway.proto.RMessage;
import io.p9gate.gateway.proto.SetAttr;
import io.p9gate.gateway.proto.TMessage;
import io.p9gate.gateway.testing.HostSwapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * R-CONF-1: no guest request reaches outside its share. A secret file sits next to the share;
 * every test checks it is never read, written, linked or changed.
 */
class EscapeTest extends ShareTestBase {
    static final String SECRET = "SECRET-OUTSIDE";

    Path outside;
    Path secret;

    @Override
    void populate() throws Exception {
        outside = Files.createDirectories(tmp.resolve("outside"));
        secret = Files.writeString(outside.resolve("file"), SECRET);
        Files.writeString(tmp.resolve("file"), SECRET);
        Files.createDirectories(share.resolve("a/b/c"));
    }

    @AfterEach
    void outsideUnchanged() throws Exception {
        assertEquals(SECRET, Files.readString(secret), "the outside file is unchanged");
    }

    private Qid rootQid() throws P9Exception {
        return s.getattr(0).attr().qid();
    }

    @Test
    void dotDotAtTheRootStaysAtTheRoot() throws Exception {
        List<Qid> qids = s.walk(0, 1, "..", "..", "..");
        assertEquals(List.of(rootQid(), rootQid(), rootQid()), qids);
        assertEquals(rootQid(), s.getattr(1).attr().qid());
        assertEquals(1, s.walk(1, 2, "..", "file").size(), "the file above the share is not found");
    }

    @Test
    void dotDotRepeatedFromDepth() throws Exception {
        s.walk(0, 1, "a", "b", "c");
        for (int i = 0; i < 10; i++) {
            s.walk(1, 1, "..");
        }
        assertEquals(rootQid(), s.getattr(1).attr().qid());
        List<Qid> qids = s.walk(
                0, 2, "a", "b", "c", "..", "..", "..", "..", "..", "..", "..", "..", "..", "..", "..", "..", "..");
        assertEquals(rootQid(), qids.get(qids.size() - 1));
    }

    @Test
    void absoluteAndRelativeSymlinksAreNeverFollowed() throws Exception {
        Files.createSymbolicLink(share.resolve("abs"), outside);
        Files.createSymbolicLink(share.resolve("a/rel"), Path.of("../../outside"));
        Files.createSymbolicLink(share.resolve("etc"), Path.of("/etc"));
        Files.createSymbolicLink(share.resolve("secretlink"), secret);
        for (List<String> path :
                List.of(List.of("abs", "file"), List.of("a", "rel", "file"), List.of("etc", "passwd"))) {
            List<Qid> qids = s.walk(0, 9, path.toArray(String[]::new));
            assertEquals(path.size() - 1, qids.size(), "walk " + path + " stops at the symlink");
            assertEquals(Qid.QTSYMLINK, qids.get(qids.size() - 1).type());
            assertEquals(Errno.EBADF, s.fails(new TMessage.Tgetattr(9, 0)));
        }
        s.walk(0, 1, "a", "rel");
        assertEquals(
                "../../outside",
                s.expect(RMessage.Rreadlink.class, new TMessage.Treadlink(1)).target());
        assertEquals(Errno.ENOTDIR, s.fails(new TMessage.Twalk(1, 2, List.of("file"))));
        s.walk(0, 3, "secretlink");
        assertEquals(
                secret.toString(),
                s.expect(RMessage.Rreadlink.class, new TMessage.Treadlink(3)).target());
    }

    @Test
    void symlinkFidsAreNeverOpenedOrChangedThroughTheirTarget() throws Exception {
        Files.createSymbolicLink(share.resolve("secretlink"), secret);
        s.walk(0, 1, "secretlink");
        for (int flags : new int[] {0, 1, 2, 01000}) {
            assertEquals(Errno.ELOOP, s.fails(new TMessage.Tlopen(1, flags)));
        }
        assertEquals(Errno.EBADF, s.fails(new TMessage.Tread(1, 0, 100)));
        assertEquals(
                Errno.EOPNOTSUPP,
                s.fails(new TMessage.Tsetattr(1, new SetAttr(SetAttr.SETATTR_MODE, 0777, 0, 0, 0, 0, 0, 0, 0))));
        assertEquals(
                Errno.EINVAL,
                s.fails(new TMessage.Tsetattr(1, new SetAttr(SetAttr.SETATTR_SIZE, 0, 0, 0, 0, 0, 0, 0, 0))));
        // llistxattr(2) of the link itself, never its target's: no user. attribute there
        assertEquals(
                0,
                s.expect(RMessage.Rxattrwalk.class, new TMessage.Txattrwalk(1, 2, ""))
                        .size());
        s.clunk(2);
        String modeBefore = PosixFilePermissions.toString(Files.getPosixFilePermissions(secret));
        assertEquals(modeBefore, PosixFilePermissions.toString(Files.getPosixFilePermissions(secret)));
        var targetMtime = Files.getLastModifiedTime(secret);
        int times = SetAttr.SETATTR_MTIME | SetAttr.SETATTR_MTIME_SET;
        s.expect(RMessage.Rsetattr.class, new TMessage.Tsetattr(1, new SetAttr(times, 0, 0, 0, 0, 0, 0, 1234, 0)));
        assertEquals(
                1234_000L,
                Files.getLastModifiedTime(share.resolve("secretlink"), LinkOption.NOFOLLOW_LINKS)
                        .toMillis(),
                "times are set on the link itself");
        assertEquals(targetMtime, Files.getLastModifiedTime(secret));
        assertEquals(
                Errno.ELOOP,
                s.fails(new TMessage.Tlcreate(0, "secretlink", 2, 0644, 0)),
                "lcreate without O_EXCL on an existing symlink must not open its target");
    }

    @Test
    void aChownOfASymlinkFidChangesTheLinkNotItsTarget() throws Exception {
        assumeRoot("chown to another user");
        Files.createSymbolicLink(share.resolve("secretlink"), secret);
        s.walk(0, 1, "secretlink");
        s.expect(
                RMessage.Rsetattr.class,
                new TMessage.Tsetattr(1, new SetAttr(SetAttr.SETATTR_UID, 0, 4242, 0, 0, 0, 0, 0, 0)));
        assertEquals(4242, Files.getAttribute(share.resolve("secretlink"), "unix:uid", LinkOption.NOFOLLOW_LINKS));
        assertEquals(0, Files.getAttribute(secret, "unix:uid"), "chown changed the link, not its target");
    }

    @Test
    void hardLinksCanOnlyNameFilesTheGuestAlreadyHolds() throws Exception {
        Files.createSymbolicLink(share.resolve("secretlink"), secret);
        s.walk(0, 1, "secretlink");
        s.call(new TMessage.Tlink(0, 1, "hl"));
        assertTrue(Files.isSymbolicLink(share.resolve("hl")), "the link names the symlink inode, not its target");
        assertEquals(1, ((Number) Files.getAttribute(secret, "unix:nlink")).intValue());
        assertEquals(Errno.EINVAL, s.fails(new TMessage.Tlink(0, 1, "../escape")));
        assertFalse(Files.exists(tmp.resolve("escape"), LinkOption.NOFOLLOW_LINKS));
    }

    @Test
    void procMagicLinksAreNotFollowed() throws Exception {
        Files.createSymbolicLink(share.resolve("root"), Path.of("/proc/self/root"));
        Files.createSymbolicLink(share.resolve("cwd"), Path.of("/proc/self/cwd"));
        Files.createSymbolicLink(share.resolve("fd"), Path.of("/proc/self/fd/0"));
        for (String name : List.of("root", "cwd", "fd")) {
            assertEquals(1, s.walk(0, 9, name, "etc").size());
            s.walk(0, 1, name);
            assertEquals(Errno.ELOOP, s.fails(new TMessage.Tlopen(1, 0)));
            s.clunk(1);
        }
        for (String bad : List.of("/proc/self/root", "proc/self/root", "/etc/passwd")) {
            assertEquals(Errno.EINVAL, s.fails(new TMessage.Twalk(0, 9, List.of(bad))));
        }
    }

    @Test
    void aDirectoryMovedOutOfTheShareLeadsNowhere() throws Exception {
        s.walk(0, 1, "a", "b");
        Files.move(share.resolve("a"), tmp.resolve("moved-out"));
        assertEquals(Errno.EACCES, s.fails(new TMessage.Twalk(1, 2, List.of(".."))));
        assertEquals(Errno.EACCES, s.fails(new TMessage.Twalk(1, 2, List.of("c"))));
        assertEquals(Errno.EACCES, s.fails(new TMessage.Tgetattr(1, 0)));
        assertEquals(Errno.EACCES, s.fails(new TMessage.Tmkdir(1, "x", 0755, 0)));
        assertFalse(Files.exists(tmp.resolve("moved-out/b/x")));
    }

    /**
     * The same move, but the guest sends no walk after it: a request that changes the host must ask the kernel
     * where its directory is, not trust the path the fid remembers from before the move.
     */
    @Test
    void aFidInADirectoryMovedOutCreatesNothingThere() throws Exception {
        s.walk(0, 1, "a", "b");
        s.walk(0, 2, "a", "b");
        Files.move(share.resolve("a"), tmp.resolve("moved-out"));
        assertEquals(Errno.EACCES, s.fails(new TMessage.Tmkdir(1, "x", 0755, 0)));
        assertEquals(Errno.EACCES, s.fails(new TMessage.Tlcreate(2, "f", 0, 0644, 0)));
        assertFalse(Files.exists(tmp.resolve("moved-out/b/x"), LinkOption.NOFOLLOW_LINKS));
        assertFalse(Files.exists(tmp.resolve("moved-out/b/f"), LinkOption.NOFOLLOW_LINKS));
        assertEquals(Errno.EACCES, s.fails(new TMessage.Tgetattr(1, 0)), "the refusal made every handle ask again");
    }

    /**
     * A host thread keeps exchanging a directory in the share with a symlink to an outside
     * directory while the guest walks through it: no walk may ever reach the outside file.
     */
    @Test
    void symlinkSwapRacingTheWalkNeverEscapes() throws Exception {
        Path dir = Files.createDirectories(share.resolve("dir"));
        Files.writeString(dir.resolve("file"), "inside");
        Files.createSymbolicLink(share.resolve("swap"), outside);
        long secretIno = (long) Files.getAttribute(secret, "unix:ino");
        int inside = 0;
        try (HostSwapper swapper = new HostSwapper(share.resolve("dir"), share.resolve("swap"))) {
            for (int i = 0; i < 5000; i++) {
                List<Qid> qids;
                try {
                    qids = s.walk(0, 1, "dir", "file");
                } catch (P9Exception e) {
                    continue; // the entry was being exchanged: ENOENT is a fine answer
                }
                if (qids.size() < 2) {
                    continue; // stopped at the symlink
                }
                assertNotEquals(secretIno & ((1L << 56) - 1), qids.get(1).path() & ((1L << 56) - 1));
                s.lopen(1, 0);
                String content = new String(s.read(1, 0, 100), StandardCharsets.UTF_8);
                assertEquals("inside", content);
                inside++;
                s.clunk(1);
            }
            assertTrue(swapper.swaps() > 100, "the host really raced: " + swapper.swaps() + " swaps");
        }
        assertTrue(inside > 0, "some walks went through the real directory");
    }
}
