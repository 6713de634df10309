package io.p9gate.gateway.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.proto.Attr;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.RMessage;
import io.p9gate.gateway.proto.Stat;
import io.p9gate.gateway.proto.Wstats;
import io.p9gate.policy.dialect.Dialect;
import java.nio.file.Files;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;

/** Twstat of 9P2000 and 9P2000.u (stat(5) "wstat") as the 9P2000.L requests that do the same (issue 14). */
class TwstatTest extends ShareTestBase {
    @Override
    void populate() throws Exception {
        Files.writeString(share.resolve("f"), "content");
        Files.createDirectory(share.resolve("d"));
    }

    private TestSession legacy() throws Exception {
        return TestSession.attached(factory, Dialect.LEGACY);
    }

    private String permissions(String name) throws Exception {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(share.resolve(name)));
    }

    @Test
    void aModeChangesThePermissionBits() throws Exception {
        try (TestSession t = legacy()) {
            t.walk(TestSession.ROOT, 1, "f");
            t.expect(RMessage.Rwstat.class, Wstats.chmod(1, 0640));
            assertEquals("rw-r-----", permissions("f"));
            t.walk(TestSession.ROOT, 2, "d");
            t.expect(RMessage.Rwstat.class, Wstats.chmod(2, Stat.DMDIR | 0700));
            assertEquals("rwx------", permissions("d"));
        }
    }

    @Test
    void aModeThatChangesTheFileTypeIsEinvalAndChangesNothing() throws Exception {
        try (TestSession t = legacy()) {
            t.walk(TestSession.ROOT, 1, "f");
            String before = permissions("f");
            assertEquals(Errno.EINVAL, t.fails(Wstats.chmod(1, Stat.DMDIR | 0700)));
            t.walk(TestSession.ROOT, 2, "d");
            assertEquals(Errno.EINVAL, t.fails(Wstats.chmod(2, 0700)));
            assertEquals(before, permissions("f"));
        }
    }

    /**
     * A length beyond 2^63 (a negative off_t: truncate(2) EINVAL) is an invalid field, so it must change nothing; it
     * was found out only by the truncate, after the rename the same wstat asked for had been made.
     */
    @Test
    void aLengthBeyondTwoToTheSixtyThirdIsEinvalBeforeTheRename() throws Exception {
        try (TestSession t = legacy()) {
            t.walk(TestSession.ROOT, 1, "f");
            assertEquals(Errno.EINVAL, t.fails(Wstats.plain(1, Wstats.common(-1, "g", -1, -1, -2L, ""))));
            assertTrue(Files.exists(share.resolve("f")), "the file was renamed by a refused wstat");
            assertEquals("content", Files.readString(share.resolve("f")));
        }
    }

    @Test
    void aLengthTruncates() throws Exception {
        try (TestSession t = legacy()) {
            t.walk(TestSession.ROOT, 1, "f");
            t.expect(RMessage.Rwstat.class, Wstats.plain(1, Wstats.common(-1, "", -1, -1, 3, "")));
            assertEquals("con", Files.readString(share.resolve("f")));
        }
    }

    @Test
    void timesAreSetInSeconds() throws Exception {
        try (TestSession t = legacy()) {
            t.walk(TestSession.ROOT, 1, "f");
            t.expect(RMessage.Rwstat.class, Wstats.plain(1, Wstats.common(-1, "", 1_000_000, 2_000_000, -1L, "")));
            assertEquals(FileTime.fromMillis(2_000_000_000L), Files.getLastModifiedTime(share.resolve("f")));
            assertEquals(FileTime.fromMillis(1_000_000_000L), Files.getAttribute(share.resolve("f"), "lastAccessTime"));
        }
    }

    @Test
    void aNameRenamesWithinTheDirectoryAndTheFidFollows() throws Exception {
        Files.writeString(share.resolve("d/inner"), "x");
        try (TestSession t = legacy()) {
            t.walk(TestSession.ROOT, 1, "d", "inner");
            t.expect(RMessage.Rwstat.class, Wstats.rename(1, "moved"));
            assertTrue(Files.notExists(share.resolve("d/inner")));
            assertEquals("x", Files.readString(share.resolve("d/moved")));
            t.expect(RMessage.Rwstat.class, Wstats.chmod(1, 0600));
            assertEquals("rw-------", permissions("d/moved"));
            assertEquals(Errno.EINVAL, t.fails(Wstats.rename(1, "../up")));
        }
    }

    /**
     * A wstat to the file's own name changes nothing; "own" is its name on the host now, not the one the gateway
     * remembers: after a host-side rename, a wstat naming the old name renames the file back (review: it was a
     * silent no-op).
     */
    @Test
    void aNameIsTheFilesOwnOnlyAsTheHostNamesItNow() throws Exception {
        Files.writeString(share.resolve("d/inner"), "x");
        try (TestSession t = legacy()) {
            t.walk(TestSession.ROOT, 1, "d", "inner");
            t.expect(RMessage.Rwstat.class, Wstats.rename(1, "inner"));
            assertEquals("x", Files.readString(share.resolve("d/inner")), "its own name: nothing changes");
            Files.move(share.resolve("d/inner"), share.resolve("d/elsewhere"));
            t.expect(RMessage.Rwstat.class, Wstats.rename(1, "inner"));
            assertEquals("x", Files.readString(share.resolve("d/inner")), "renamed back to the name asked for");
            assertTrue(Files.notExists(share.resolve("d/elsewhere")));
        }
    }

    @Test
    void ownersAreNumericIdsAsTextOrDotUNumbers() throws Exception {
        try (TestSession t = TestSession.attached(factory, Dialect.U)) {
            t.walk(TestSession.ROOT, 1, "f");
            t.expect(RMessage.Rwstat.class, Wstats.unix(1, Wstats.common(-1, "", -1, -1, -1L, ""), 1234, 4321));
            Attr a = t.getattr(1).attr();
            assertEquals(1234, a.uid());
            assertEquals(4321, a.gid());
            t.expect(RMessage.Rwstat.class, Wstats.plain(1, Wstats.common(-1, "", -1, -1, -1L, "77")));
            assertEquals(77, t.getattr(1).attr().uid());
            // 9P2000 owners are names, and the gateway has no name table: only the id as text is understood.
            assertEquals(Errno.EINVAL, t.fails(Wstats.plain(1, Wstats.common(-1, "", -1, -1, -1L, "alice"))));
        }
    }

    /**
     * Only the decimal text Tstat shows is an owner: Integer.parseUnsignedInt also took a sign and any script's
     * digits, so "+0" or Arabic-Indic "٠" (U+0660) chowned to 0, bytes that are no id as Tstat spells it.
     */
    @Test
    void anOwnerIsOnlyAsciiDecimalDigits() throws Exception {
        try (TestSession t = legacy()) {
            t.walk(TestSession.ROOT, 1, "f");
            int before = t.getattr(1).attr().uid();
            for (String text : new String[] {"+77", "\u0667\u0667", "\uff17\uff17", " 77", "77 "}) {
                assertEquals(Errno.EINVAL, t.fails(Wstats.plain(1, Wstats.common(-1, "", -1, -1, -1L, text))), text);
                assertEquals(before, t.getattr(1).attr().uid(), text);
            }
        }
    }

    @Test
    void anInvalidFieldChangesNoOtherField() throws Exception {
        try (TestSession t = legacy()) {
            t.walk(TestSession.ROOT, 1, "f");
            // A rename and a truncate with an owner that is no number: nothing of it is made.
            assertEquals(Errno.EINVAL, t.fails(Wstats.plain(1, Wstats.common(-1, "g", -1, -1, 0, "bob"))));
            assertEquals("content", Files.readString(share.resolve("f")));
            assertTrue(Files.notExists(share.resolve("g")));
        }
    }

    /**
     * A length is a field a directory cannot take (EISDIR), like a name that is no number: found only by the Tsetattr
     * after the rename, it left the directory renamed under an Rerror, against stat(5)'s all or nothing.
     */
    @Test
    void aDirectorysLengthIsRefusedBeforeItsRename() throws Exception {
        try (TestSession t = legacy()) {
            t.walk(TestSession.ROOT, 1, "d");
            assertEquals(Errno.EISDIR, t.fails(Wstats.plain(1, Wstats.common(-1, "e", -1, -1, 0, ""))));
            assertTrue(Files.isDirectory(share.resolve("d")), "d was renamed");
            assertTrue(Files.notExists(share.resolve("e")));
        }
    }

    /**
     * A mode a symlink cannot take (chmod of a link, EOPNOTSUPP as Tsetattr answers) is a field the file cannot take,
     * like a directory's length: found only by the Tsetattr after the rename, it left the link renamed under an
     * Rerror (red team of issue 14).
     */
    @Test
    void aSymlinksModeIsRefusedBeforeItsRename() throws Exception {
        Files.createSymbolicLink(share.resolve("link"), share.resolve("f").getFileName());
        try (TestSession t = TestSession.attached(factory, Dialect.U)) {
            t.walk(TestSession.ROOT, 1, "link");
            Errno refused =
                    t.fails(Wstats.unix(1, Wstats.common(Stat.DMSYMLINK | 0700, "moved", -1, -1, -1L, ""), -1, -1));
            assertEquals(Errno.EOPNOTSUPP, refused);
            assertTrue(Files.isSymbolicLink(share.resolve("link")), "the link was renamed by a refused wstat");
            assertTrue(Files.notExists(share.resolve("moved"), java.nio.file.LinkOption.NOFOLLOW_LINKS));
        }
    }

    @Test
    void aWstatThatTouchesNothingIsASync() throws Exception {
        try (TestSession t = legacy()) {
            t.walk(TestSession.ROOT, 1, "f");
            String before = permissions("f");
            t.expect(RMessage.Rwstat.class, Wstats.sync(1));
            assertEquals(before, permissions("f"));
            assertEquals("content", Files.readString(share.resolve("f")));
        }
    }
}
