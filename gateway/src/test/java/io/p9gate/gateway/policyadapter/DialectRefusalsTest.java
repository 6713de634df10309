package io.p9gate.gateway.policyadapter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.p9gate.gateway.codec.MessageEncoder;
import io.p9gate.gateway.codec.WireDialect;
import io.p9gate.gateway.fs.Operation;
import io.p9gate.gateway.ops.TestSession;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.Frame;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.RMessage;
import io.p9gate.gateway.proto.Stat;
import io.p9gate.gateway.proto.TMessage;
import io.p9gate.gateway.proto.Wstats;
import io.p9gate.gateway.wiring.ShareServerFactory;
import io.p9gate.policy.dialect.Dialect;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Issue 14: the policy holds in 9P2000 and 9P2000.u as in 9P2000.L. Alpha's share "data" (PolicyFixture) refuses
 * writes in /base (EROFS), hides /secret (ENOENT) and holds /cache to 1 KiB (EDQUOT); each refusal reaches a
 * 9P2000 client as Rerror with the errno's text, a .u client with the text and the errno.
 */
class DialectRefusalsTest {
    private static final int OWRITE = 1;
    private static final int OREAD = 0;
    private static final int OTRUNC = 0x10;
    private static final int ORCLOSE = 0x40;
    private static final int DMLINK = 0x01000000;
    private static final int FILE = 1;
    private static final int SPARE = 2;
    private static final int O_RDWR = 2;
    private static final int O_DIRECTORY = 0200000;

    /** The two dialects besides 9P2000.L, each test once per dialect. */
    @Target(ElementType.METHOD)
    @Retention(RetentionPolicy.RUNTIME)
    @ParameterizedTest
    @EnumSource(
            value = Dialect.class,
            names = {"U", "LEGACY"})
    @interface InEachLegacyDialect {}

    @TempDir
    Path tmp;

    private PolicyFixture fx;
    private ShareServerFactory shares;

    @BeforeEach
    void openAlphasShares() throws Exception {
        fx = new PolicyFixture(tmp);
        shares = fx.shares(fx.holder());
    }

    @AfterEach
    void closeShares() {
        shares.close();
    }

    private TestSession attach(Dialect dialect) throws Exception {
        return TestSession.attached(shares, fx.alphaListener(), dialect, "data");
    }

    @InEachLegacyDialect
    void aReadOnlySubtreeRefusesAnOpenForWritingWithErofs(Dialect dialect) throws Exception {
        try (TestSession s = attach(dialect)) {
            s.walk(TestSession.ROOT, 1, "base", "map.db");
            Errno refused = s.fails(new TMessage.Topen(1, OWRITE));
            assertEquals(Errno.EROFS, refused);
            assertOnTheWire(dialect, refused, "Read-only file system", 30);
            s.expect(RMessage.Ropen.class, new TMessage.Topen(1, OREAD));
            assertEquals("tiles", s.readString(1));
        }
        assertEquals("tiles", Files.readString(fx.data.resolve("base/map.db")));
    }

    @InEachLegacyDialect
    void aReadOnlySubtreeRefusesWstatWithErofsAndNothingChanges(Dialect dialect) throws Exception {
        Path file = fx.data.resolve("base/map.db");
        String mode = PosixFilePermissions.toString(Files.getPosixFilePermissions(file));
        try (TestSession s = attach(dialect)) {
            s.walk(TestSession.ROOT, 1, "base", "map.db");
            Errno chmod = s.fails(Wstats.chmod(1, 0600));
            assertEquals(Errno.EROFS, chmod);
            assertOnTheWire(dialect, chmod, "Read-only file system", 30);
            assertEquals(Errno.EROFS, s.fails(Wstats.rename(1, "moved.db")));
            assertEquals(Errno.EROFS, s.fails(Wstats.plain(1, Wstats.common(-1, "", -1, -1, 0, ""))));
        }
        assertEquals(mode, PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        assertEquals("tiles", Files.readString(file));
        assertTrue(Files.notExists(fx.data.resolve("base/moved.db")));
    }

    /**
     * stat(5): in 9P2000 a wstat to a name that already exists in the directory is an error, even where the policy
     * would let a Trename replace it (alpha may remove at the root): EEXIST (Plan 9's "file already exists"), nothing
     * changes, and the rename's record carries the failure. 9P2000.u keeps rename(2)'s replacement, which the Linux
     * client's mv relies on (it renames by this wstat and unlinks nothing first). Its own name changes nothing.
     */
    @InEachLegacyDialect
    void aWstatRenameOntoAnExistingNameIsEexistIn9p2000AndReplacesInDotU(Dialect dialect) throws Exception {
        Files.writeString(fx.data.resolve("kept.txt"), "kept");
        try (TestSession s = attach(dialect)) {
            s.walk(TestSession.ROOT, 1, "notes.txt");
            s.expect(RMessage.Rwstat.class, Wstats.rename(1, "notes.txt"));
            TMessage.Twstat onto = Wstats.plain(1, Wstats.common(0600, "kept.txt", -1, -1, 2, ""));
            if (dialect == Dialect.U) {
                s.expect(RMessage.Rwstat.class, onto);
                assertEquals("he", Files.readString(fx.data.resolve("kept.txt")));
                assertTrue(Files.notExists(fx.data.resolve("notes.txt")));
                return;
            }
            Errno refused = s.fails(onto);
            assertEquals(Errno.EEXIST, refused);
            assertOnTheWire(dialect, refused, "File exists", 17);
        }
        assertEquals("kept", Files.readString(fx.data.resolve("kept.txt")));
        assertEquals("hello", Files.readString(fx.data.resolve("notes.txt")), "neither renamed nor truncated");
        PolicyFixture.Recorded last = fx.audit.records.getLast();
        assertEquals(io.p9gate.gateway.fs.Operation.RENAME, last.request().operation());
        assertEquals(Errno.EEXIST, last.outcome().errno(), "the record says the rename failed");
    }

    /**
     * A wstat name that is not one name (".", "..", one with '/') is refused as Trename refuses it: EINVAL, decided
     * and recorded as a RENAME denied by the rule invalid-name. It was answered EINVAL before any decision, so a
     * guest probing for a way out of its directory left no record, where the same Trename leaves one.
     */
    @InEachLegacyDialect
    void aWstatNameThatIsNotOneNameIsRecordedAsTheTrenameRefusal(Dialect dialect) throws Exception {
        List<String> names = List.of("..", ".", "a/b", "../../x");
        try (TestSession s = attach(dialect)) {
            s.walk(TestSession.ROOT, 1, "notes.txt");
            for (String name : names) {
                assertEquals(Errno.EINVAL, s.fails(Wstats.rename(1, name)), name);
            }
        }
        assertEquals("hello", Files.readString(fx.data.resolve("notes.txt")));
        List<String> refused = fx.audit.records.stream()
                .filter(r -> r.request().operation() == Operation.RENAME)
                .map(r -> r.request().paths().getLast() + " " + r.decision().ruleIds() + " "
                        + r.outcome().errno())
                .toList();
        assertEquals(names.stream().map(n -> n + " [invalid-name] EINVAL").toList(), refused);
    }

    /**
     * A wstat mode whose type bits are not the file's (a directory without DMDIR, a file with it) is EINVAL and
     * changes nothing; it is recorded as the SETATTR it asks for, rule file-type, after the getattr that read the
     * type. Its only record was that getattr's, allowed with errno 0, so the log said the guest was answered.
     */
    @InEachLegacyDialect
    void aWstatChangingAFilesTypeIsRecordedAsItsRefusal(Dialect dialect) throws Exception {
        Path file = fx.data.resolve("notes.txt");
        String mode = PosixFilePermissions.toString(Files.getPosixFilePermissions(file));
        List<String> last = new ArrayList<>();
        try (TestSession s = attach(dialect)) {
            s.walk(TestSession.ROOT, 1, "notes.txt");
            for (TMessage.Twstat w :
                    List.of(Wstats.chmod(TestSession.ROOT, 0600), Wstats.chmod(1, Stat.DMDIR | 0600))) {
                int before = fx.audit.records.size();
                Errno told = s.fails(w);
                PolicyFixture.Recorded r = fx.audit.records.get(fx.audit.records.size() - 1);
                last.add(told + " " + (fx.audit.records.size() - before) + " records, last "
                        + r.request().operation() + " " + r.request().paths() + " "
                        + r.decision().ruleIds() + " " + r.outcome().errno());
            }
        }
        assertEquals(
                List.of(
                        "EINVAL 2 records, last SETATTR [] [file-type] EINVAL",
                        "EINVAL 2 records, last SETATTR [notes.txt] [file-type] EINVAL"),
                last);
        assertEquals(mode, PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        assertTrue(Files.isDirectory(fx.data));
    }

    /**
     * A .u hard link (Tcreate DMLINK) whose extension names a fid the session does not hold is the Tlink's unknown
     * fid: EBADF and no record, as any request on an unknown fid (docs/filesystem.md). It was answered EBADF after
     * the directory's getattr, decided and recorded as allowed (errno 0), a record that read as a success.
     */
    @Test
    void aHardLinkToAnUnknownFidIsEbadfAndNotRecorded() throws Exception {
        int before;
        try (TestSession s = attach(Dialect.U)) {
            s.walk(TestSession.ROOT, 1);
            before = fx.audit.records.size();
            assertEquals(Errno.EBADF, s.fails(special(1, "h", DMLINK, "99\n")));
            assertEquals(
                    List.of(),
                    fx.audit.records.subList(before, fx.audit.records.size()).stream()
                            .map(r -> r.request().operation() + " "
                                    + r.request().paths() + " " + r.outcome().errno())
                            .toList());
        }
        assertTrue(Files.notExists(fx.data.resolve("h")));
    }

    /**
     * A wstat that renames and sets a length the file cannot take (a directory's, one past /cache's quota, one beyond
     * 2^63) is refused before the rename, nothing changed; its only record was the allowed getattr that read the
     * file. It is recorded as the SETATTR it asks for, rule unsettable, with the errno the guest gets.
     */
    @InEachLegacyDialect
    void aRenamingWstatWhoseLengthTheFileCannotTakeIsRecordedAsItsRefusal(Dialect dialect) throws Exception {
        Files.writeString(fx.data.resolve("cache/log"), "");
        List<String> last = new ArrayList<>();
        try (TestSession s = attach(dialect)) {
            s.walk(TestSession.ROOT, 1, "cache");
            s.walk(TestSession.ROOT, 2, "cache", "log");
            last.add(refusal(s, wstat(dialect, 1, Wstats.common(-1, "cache2", -1, -1, 0L, ""))));
            last.add(refusal(s, wstat(dialect, 2, Wstats.common(-1, "log2", -1, -1, 4096L, ""))));
            last.add(refusal(s, wstat(dialect, 2, Wstats.common(-1, "log2", -1, -1, -2L, ""))));
        }
        assertEquals(
                List.of(
                        "EISDIR 2 records, last SETATTR [cache] [unsettable] EISDIR",
                        "EDQUOT 2 records, last SETATTR [cache/log] [unsettable] EDQUOT",
                        "EINVAL 2 records, last SETATTR [cache/log] [unsettable] EINVAL"),
                last);
        assertTrue(Files.isDirectory(fx.data.resolve("cache")));
        assertEquals(0, Files.size(fx.data.resolve("cache/log")));
    }

    /**
     * A wstat owner that is no number (a 9P2000 uid string, a .u one without n_uid) is EINVAL: the gateway has no
     * name table. It left no record at all; it is recorded as a SETATTR, rule owner-name, the name in detail.
     */
    @InEachLegacyDialect
    void aWstatOwnerNameThatIsNoNumberIsRecordedAsItsRefusal(Dialect dialect) throws Exception {
        String last;
        String detail;
        try (TestSession s = attach(dialect)) {
            s.walk(TestSession.ROOT, 1, "notes.txt");
            last = refusal(s, wstat(dialect, 1, Wstats.common(-1, "", -1, -1, -1L, "bob")));
            detail = fx.audit.records.getLast().request().detail();
        }
        assertEquals("EINVAL 1 records, last SETATTR [notes.txt] [owner-name] EINVAL", last);
        assertTrue(detail.contains("uid_name=bob"), detail);
    }

    /** The dialect's wstat of {@code common}: in 9P2000.u with no numeric owner or group (n_uid, n_gid ~0). */
    private static TMessage.Twstat wstat(Dialect dialect, int fid, Stat.Common common) {
        return dialect == Dialect.U ? Wstats.unix(fid, common, -1, -1) : Wstats.plain(fid, common);
    }

    /** What the guest was told for {@code w}, how many records it left and what the last one says. */
    private String refusal(TestSession s, TMessage.Twstat w) {
        int before = fx.audit.records.size();
        Errno told = s.fails(w);
        PolicyFixture.Recorded r = fx.audit.records.getLast();
        return told + " " + (fx.audit.records.size() - before) + " records, last "
                + r.request().operation() + " " + r.request().paths() + " "
                + r.decision().ruleIds() + " " + r.outcome().errno();
    }

    /**
     * A wstat giving the share root a new name was answered EBUSY before any decision, so it left no record, while a
     * 9P2000.L Trename of the root is decided and recorded (alpha's policy refuses it, EACCES; allowed, the host's
     * EBUSY would be its outcome). In 9P the root is its own parent (".." of the root is the root), so the wstat is
     * that Trename: the same answer and the same record.
     */
    @InEachLegacyDialect
    void renamingTheShareRootIsDecidedAndRecordedAsTrenameOfTheRoot(Dialect dialect) throws Exception {
        List<String> trename = rootRename(Dialect.L, new TMessage.Trename(TestSession.ROOT, TestSession.ROOT, "x"));
        List<String> twstat = rootRename(dialect, Wstats.rename(TestSession.ROOT, "x"));

        assertEquals(List.of("answered EACCES", "RENAME [, x] EACCES"), trename);
        assertEquals(trename, twstat);
    }

    /** What a rename of the root answers, then each record it leaves: its operation, paths and outcome. */
    private List<String> rootRename(Dialect dialect, TMessage.FileRequest rename) throws Exception {
        int before = fx.audit.records.size();
        List<String> seen = new ArrayList<>();
        try (TestSession s = attach(dialect)) {
            seen.add("answered " + s.fails(rename));
        }
        fx.audit.records.subList(before, fx.audit.records.size()).stream()
                .filter(r -> r.request().operation() != Operation.ATTACH)
                .map(r -> r.request().operation() + " " + r.request().paths() + " "
                        + r.outcome().errno())
                .forEach(seen::add);
        return seen;
    }

    /**
     * A Tcreate through a fid already opened is EINVAL, and of a directory with a mode that writes or truncates
     * EISDIR, both before anything is made or decided: each is recorded as the request it asks for (CREATE, MKDIR),
     * rule fid-open or directory-open-mode. They were answered with no record, so a guest could probe unseen.
     */
    @InEachLegacyDialect
    void aCreateRefusedBeforeAnyDecisionIsRecorded(Dialect dialect) throws Exception {
        try (TestSession s = attach(dialect)) {
            s.walk(TestSession.ROOT, 1);
            s.expect(RMessage.Ropen.class, new TMessage.Topen(1, OREAD));
            assertEquals(Errno.EINVAL, s.fails(new TMessage.Tcreate(1, "f", 0644, OREAD, Optional.empty())));
            assertEquals(
                    Errno.EINVAL, s.fails(new TMessage.Tcreate(1, "d", Stat.DMDIR | 0755, OREAD, Optional.empty())));
            s.clunk(1);
            s.walk(TestSession.ROOT, 1);
            assertEquals(
                    Errno.EISDIR, s.fails(new TMessage.Tcreate(1, "w", Stat.DMDIR | 0755, OWRITE, Optional.empty())));
        }
        assertEquals(
                List.of(
                        "CREATE f [fid-open] EINVAL",
                        "MKDIR d [fid-open] EINVAL",
                        "MKDIR w [directory-open-mode] EISDIR"),
                refusalsOf(List.of("f", "d", "w")));
        assertTrue(Files.notExists(fx.data.resolve("w")));
    }

    /** Its 9P2000.L counterpart: a Tlcreate through a fid already opened is recorded the same way. */
    @Test
    void aTlcreateThroughAnOpenedFidIsRecorded() throws Exception {
        try (TestSession s = attach(Dialect.L)) {
            s.walk(TestSession.ROOT, 1);
            s.lopen(1, 0);
            assertEquals(Errno.EINVAL, s.fails(new TMessage.Tlcreate(1, "f", 2, 0644, 0)));
        }
        assertEquals(List.of("CREATE f [fid-open] EINVAL"), refusalsOf(List.of("f")));
        assertTrue(Files.notExists(fx.data.resolve("f")));
    }

    /**
     * A Topen (9P2000.L: a Tlopen) of a fid already opened is EINVAL before any decision, as it was; it is recorded as
     * the OPEN it asks for, rule fid-open, at the fid's file. It was answered with no record.
     */
    @ParameterizedTest
    @EnumSource(Dialect.class)
    void anOpenOfAnOpenedFidIsRecorded(Dialect dialect) throws Exception {
        Files.writeString(fx.data.resolve("kept.txt"), "kept");
        try (TestSession s = attach(dialect)) {
            s.walk(TestSession.ROOT, 1, "kept.txt");
            if (dialect == Dialect.L) {
                s.lopen(1, 0);
                assertEquals(Errno.EINVAL, s.fails(new TMessage.Tlopen(1, 2)));
            } else {
                s.expect(RMessage.Ropen.class, new TMessage.Topen(1, OREAD));
                assertEquals(Errno.EINVAL, s.fails(new TMessage.Topen(1, OWRITE)));
            }
        }
        assertEquals(
                List.of("OPEN kept.txt [fid-open] EINVAL"),
                refusalsOf(List.of("kept.txt")).stream()
                        .filter(r -> r.contains("fid-open"))
                        .toList());
    }

    /**
     * A Tlcreate with O_DIRECTORY is EINVAL whatever the name, as open(2) answers O_CREAT|O_DIRECTORY, and makes
     * nothing; it is recorded as the CREATE it asks for, rule invalid-flags. It was answered with no record.
     */
    @Test
    void aTlcreateWithODirectoryIsRecorded() throws Exception {
        int oDirectory = 0200000;
        try (TestSession s = attach(Dialect.L)) {
            s.walk(TestSession.ROOT, 1);
            assertEquals(Errno.EINVAL, s.fails(new TMessage.Tlcreate(1, "f", 2 | oDirectory, 0644, 0)));
            s.walk(TestSession.ROOT, 2);
            assertEquals(Errno.EINVAL, s.fails(new TMessage.Tlcreate(2, "x".repeat(300), oDirectory, 0644, 0)));
        }
        assertEquals(List.of("CREATE f [invalid-flags] EINVAL"), refusalsOf(List.of("f")));
        assertEquals(
                1,
                fx.audit.records.stream()
                        .filter(r -> r.decision().ruleIds().equals(List.of("invalid-flags")))
                        .filter(r -> r.request().paths().getLast().startsWith("xxx"))
                        .count());
        assertTrue(Files.notExists(fx.data.resolve("f")));
    }

    /** How a case readies its session: fid FILE is kept.txt, walked, opened, or an xattr fid; SPARE taken or not. */
    private interface Setup {
        void on(TestSession s) throws P9Exception;
    }

    /** One refused request, what the guest is told, and the rule of its record (none: not recorded). */
    private record Case(String shape, Setup setup, TMessage.FileRequest request, Errno errno, String rule) {}

    private static final Setup WALKED = s -> s.walk(TestSession.ROOT, FILE, "kept.txt");
    private static final Setup OPENED = s -> {
        s.walk(TestSession.ROOT, FILE, "kept.txt");
        s.lopen(FILE, 0);
    };
    private static final Setup XATTR_FID = s -> s.call(new TMessage.Txattrwalk(TestSession.ROOT, FILE, ""));
    private static final Setup DIR_OPENED = s -> {
        s.walk(TestSession.ROOT, FILE);
        s.lopen(FILE, 0);
    };
    private static final Setup NOTHING = s -> {};

    private static List<Case> cases() {
        List<String> seventeen = Collections.nCopies(17, "kept.txt");
        return List.of(
                // Named by a fid the session holds, refused for the fid's state or the request's arguments: recorded.
                new Case("Tlopen of an opened fid", OPENED, new TMessage.Tlopen(FILE, 0), Errno.EINVAL, "fid-open"),
                new Case("Tlopen of an xattr fid", XATTR_FID, new TMessage.Tlopen(FILE, 0), Errno.EINVAL, "fid-open"),
                new Case(
                        "Tlcreate through an opened fid",
                        DIR_OPENED,
                        new TMessage.Tlcreate(FILE, "n", O_RDWR, 0644, 0),
                        Errno.EINVAL,
                        "fid-open"),
                new Case(
                        "Tlcreate with O_DIRECTORY",
                        s -> s.walk(TestSession.ROOT, FILE),
                        new TMessage.Tlcreate(FILE, "n", O_RDWR | O_DIRECTORY, 0644, 0),
                        Errno.EINVAL,
                        "invalid-flags"),
                new Case(
                        "Tunlinkat with unknown flags",
                        NOTHING,
                        new TMessage.Tunlinkat(TestSession.ROOT, "kept.txt", 0x2),
                        Errno.EINVAL,
                        "invalid-flags"),
                new Case(
                        "Txattrcreate through an opened fid",
                        OPENED,
                        new TMessage.Txattrcreate(FILE, "user.a", 1, 0),
                        Errno.EINVAL,
                        "fid-open"),
                new Case(
                        "Txattrcreate through an xattr fid",
                        XATTR_FID,
                        new TMessage.Txattrcreate(FILE, "user.a", 1, 0),
                        Errno.EINVAL,
                        "fid-open"),
                new Case(
                        "Tmkdir of ..",
                        NOTHING,
                        new TMessage.Tmkdir(TestSession.ROOT, "..", 0755, 0),
                        Errno.EINVAL,
                        "invalid-name"),
                new Case(
                        "Twalk of a name holding /",
                        NOTHING,
                        new TMessage.Twalk(TestSession.ROOT, SPARE, List.of("a/b")),
                        Errno.EINVAL,
                        "invalid-name"),
                // The fid number names nothing the request could act on, or a message limit is broken: not recorded.
                new Case("Tgetattr of an unknown fid", NOTHING, new TMessage.Tgetattr(99, 0x3fff), Errno.EBADF, null),
                new Case(
                        "Twalk to a newfid in use",
                        WALKED,
                        new TMessage.Twalk(TestSession.ROOT, FILE, List.of("kept.txt")),
                        Errno.EINVAL,
                        null),
                new Case("Tread of a walked fid", WALKED, new TMessage.Tread(FILE, 0, 10), Errno.EBADF, null),
                new Case("Treaddir of a walked fid", WALKED, new TMessage.Treaddir(FILE, 0, 100), Errno.EBADF, null),
                new Case("Tfsync of a walked fid", WALKED, new TMessage.Tfsync(FILE, 0), Errno.EBADF, null),
                // An xattr fid holds a value, not a file (docs/protocol.md): nothing to act on, as an unknown fid.
                new Case(
                        "Tmkdir through an xattr fid",
                        XATTR_FID,
                        new TMessage.Tmkdir(FILE, "n", 0755, 0),
                        Errno.EBADF,
                        null),
                new Case(
                        "Twalk from an xattr fid",
                        XATTR_FID,
                        new TMessage.Twalk(FILE, SPARE, List.of("kept.txt")),
                        Errno.EBADF,
                        null),
                new Case("Tgetattr of an xattr fid", XATTR_FID, new TMessage.Tgetattr(FILE, 0x3fff), Errno.EBADF, null),
                new Case(
                        "Twalk of 17 names",
                        NOTHING,
                        new TMessage.Twalk(TestSession.ROOT, SPARE, seventeen),
                        Errno.EINVAL,
                        null),
                new Case(
                        "Tattach with an afid",
                        NOTHING,
                        new TMessage.Tattach(SPARE, 5, "root", "data", 0),
                        Errno.EINVAL,
                        null),
                new Case(
                        "Twrite over iounit",
                        OPENED,
                        new TMessage.Twrite(FILE, 0, Unpooled.wrappedBuffer(new byte[TestSession.MSIZE])),
                        Errno.EINVAL,
                        null));
    }

    /**
     * Every refusal the gateway makes by its own checks, one request of each shape, against the rule of
     * docs/filesystem.md ("Refusals before the policy, and which refusals are records"): a request that names a file of
     * the share through a fid the session holds, refused for its name, flags or the fid's state, is recorded as a denial
     * (with its rule and the errno the guest got); one whose fid number names nothing it could act on (unknown fid, fid
     * in use, I/O on a fid not open for it), or that breaks a message limit (more than 16 walk names, a Twrite over
     * iounit, an afid where none is used), is not.
     */
    @Test
    void everyRefusalIsRecordedExactlyWhereTheRuleSays() throws Exception {
        Files.writeString(fx.data.resolve("kept.txt"), "kept");
        List<String> expected = new ArrayList<>();
        List<String> found = new ArrayList<>();
        for (Case c : cases()) {
            expected.add(c.shape() + ": " + c.errno() + (c.rule() == null ? " not recorded" : " [" + c.rule() + "]"));
            found.add(c.shape() + ": " + refuseInASessionOfItsOwn(c));
        }
        assertEquals(expected, found);
    }

    /** What the guest was told, and whether (with which rule) the refusal was recorded. */
    private String refuseInASessionOfItsOwn(Case c) throws Exception {
        try (TestSession s = TestSession.attached(shares, fx.alphaListener(), Dialect.L, "data")) {
            c.setup().on(s);
            int before = fx.audit.records.size();
            Errno told = s.fails(c.request());
            var added = fx.audit.records.subList(before, fx.audit.records.size());
            if (added.isEmpty()) {
                return told + " not recorded";
            }
            var r = added.getLast();
            return told + " " + r.decision().ruleIds()
                    + (r.outcome().errno() == told
                            ? ""
                            : " recorded as " + r.outcome().errno());
        }
    }

    /** The records naming one of {@code names}: "OP name [rules] ERRNO". */
    private List<String> refusalsOf(List<String> names) {
        return fx.audit.records.stream()
                .filter(r -> names.contains(r.request().paths().getLast()))
                .map(r -> r.request().operation() + " " + r.request().paths().getLast() + " "
                        + r.decision().ruleIds() + " " + r.outcome().errno())
                .toList();
    }

    /**
     * A Tcreate asking for a special file in a form that cannot be made (.u: a device extension that is not "b|c
     * major minor", a hard link's that is no fid; 9P2000, which has no special files: any .u file type) is EINVAL,
     * refused before any decision and recorded as the create it asks for, rule invalid-extension (a name no entry
     * can have as that first). It was answered EINVAL with no record, where every .L refusal leaves one.
     */
    @InEachLegacyDialect
    void aCreateOfASpecialFileThatCannotBeMadeIsRecordedAsTheCreateItAsksFor(Dialect dialect) throws Exception {
        record Asked(String name, int perm, String extension, String recorded) {}
        List<Asked> asked = dialect == Dialect.U
                ? List.of(
                        new Asked("d1", Stat.DMDEVICE | 0644, "x 1 2", "MKNOD d1 [invalid-extension]"),
                        new Asked("d2", Stat.DMDEVICE | 0644, "c 1", "MKNOD d2 [invalid-extension]"),
                        new Asked("d3", Stat.DMDEVICE | 0644, "c +1 2", "MKNOD d3 [invalid-extension]"),
                        new Asked("l1", DMLINK | 0644, "one\n", "LINK l1 [invalid-extension]"),
                        new Asked("l2", DMLINK | 0644, "", "LINK l2 [invalid-extension]"),
                        new Asked("..", Stat.DMDEVICE | 0644, "c", "MKNOD .. [invalid-name]"))
                : List.of(
                        new Asked("s", Stat.DMSYMLINK | 0777, null, "SYMLINK s [invalid-extension]"),
                        new Asked("d", Stat.DMDEVICE | 0644, null, "MKNOD d [invalid-extension]"),
                        new Asked("l", DMLINK | 0644, null, "LINK l [invalid-extension]"),
                        new Asked("p", Stat.DMNAMEDPIPE | 0644, null, "MKNOD p [invalid-extension]"));
        try (TestSession s = attach(dialect)) {
            for (Asked a : asked) {
                s.walk(TestSession.ROOT, 1);
                assertEquals(
                        Errno.EINVAL,
                        s.fails(new TMessage.Tcreate(1, a.name(), a.perm(), OREAD, Optional.ofNullable(a.extension()))),
                        a.toString());
                s.clunk(1);
            }
        }
        List<String> recorded = fx.audit.records.stream()
                .filter(r -> r.outcome().errno() == Errno.EINVAL)
                .map(r -> r.request().operation() + " " + r.request().paths().getLast() + " "
                        + r.decision().ruleIds())
                .toList();
        assertEquals(asked.stream().map(Asked::recorded).toList(), recorded);
        for (Asked a : asked) {
            assertTrue(
                    a.name().equals("..") || Files.notExists(fx.data.resolve(a.name()), LinkOption.NOFOLLOW_LINKS),
                    a.name());
        }
    }

    /**
     * A write-only drop box (OPEN_READ denied under /drop, MKDIR allowed): a Tcreate of a directory opens what it
     * made as an exclusive create opens its file, under the one MKDIR decision. It used to be refused by the open
     * (EACCES) after the mkdir, leaving the directory behind an Rerror. Its listing is still asked (READDIR).
     */
    @InEachLegacyDialect
    void aDirectoryCreatedInAWriteOnlyDropBoxIsMadeAndOpenedUnderOneDecision(Dialect dialect) throws Exception {
        denyUnder("drop", "OPEN_READ");
        try (TestSession s = attach(dialect)) {
            s.walk(TestSession.ROOT, 1, "drop");
            s.expect(RMessage.Rcreate.class, new TMessage.Tcreate(1, "d", Stat.DMDIR | 0755, OREAD, Optional.empty()));
            s.walk(TestSession.ROOT, 2, "drop", "d");
            assertEquals(Errno.EACCES, s.fails(new TMessage.Topen(2, OREAD)), "the drop box is write-only");
        }
        assertTrue(Files.isDirectory(fx.data.resolve("drop/d")));
        List<String> made = fx.audit.records.stream()
                .filter(r -> r.request().paths().equals(List.of("drop/d")))
                .map(r -> r.request().operation() + " " + r.decision().allowed())
                .toList();
        assertEquals(List.of("MKDIR true", "OPEN false"), made);
    }

    /**
     * create(5) opens what it makes with the mode given, and open(5) makes ORCLOSE need the removal's permission: where
     * the policy allows CREATE but denies REMOVE (/keep), a Tcreate with ORCLOSE of a file or a directory is refused
     * with the policy's errno before anything is made (before: made, and its removal refused only at the clunk,
     * leaving what the guest asked to be temporary), recorded as the REMOVE it asked, after what the create without
     * ORCLOSE answers first (EEXIST for a name that exists). Without ORCLOSE it is made.
     */
    @InEachLegacyDialect
    void anOrcloseCreateWhoseRemovalIsDeniedIsRefusedAndMakesNothing(Dialect dialect) throws Exception {
        denyUnder("keep", "REMOVE");
        Files.writeString(fx.data.resolve("keep/there"), "there");
        Files.createDirectory(fx.data.resolve("keep/thered"));
        try (TestSession s = attach(dialect)) {
            s.walk(TestSession.ROOT, 1, "keep");
            orcloseCreatesRefused(s);
            // What the create without ORCLOSE answers comes first: EEXIST (it answered the removal's EACCES).
            for (int perm : List.of(0644, Stat.DMDIR | 0755)) {
                String name = perm == 0644 ? "there" : "thered";
                assertEquals(
                        Errno.EEXIST, s.fails(new TMessage.Tcreate(1, name, perm, OREAD | ORCLOSE, Optional.empty())));
            }
            s.expect(RMessage.Rcreate.class, new TMessage.Tcreate(1, "kept", 0644, OWRITE, Optional.empty()));
        }
        assertEquals("there", Files.readString(fx.data.resolve("keep/there")));
        assertTrue(Files.notExists(fx.data.resolve("keep/tmp")), "nothing made");
        assertTrue(Files.notExists(fx.data.resolve("keep/tmpd")), "no directory made");
        assertTrue(Files.exists(fx.data.resolve("keep/kept")));
        List<String> refused = fx.audit.records.stream()
                .filter(r -> !r.decision().allowed())
                .map(r -> r.request().operation() + " " + r.request().paths())
                .toList();
        assertEquals(List.of("REMOVE [keep/tmp]", "REMOVE [keep/tmpd]"), refused);
    }

    /** Tcreates with ORCLOSE in fid 1 of a file "tmp" and a directory "tmpd", both refused EACCES. */
    private static void orcloseCreatesRefused(TestSession s) throws Exception {
        assertEquals(Errno.EACCES, s.fails(new TMessage.Tcreate(1, "tmp", 0644, OWRITE | ORCLOSE, Optional.empty())));
        assertEquals(
                Errno.EACCES,
                s.fails(new TMessage.Tcreate(1, "tmpd", Stat.DMDIR | 0755, OREAD | ORCLOSE, Optional.empty())));
    }

    /**
     * A Tcreate or an OTRUNC Topen with ORCLOSE whose removal the policy refuses changes nothing: it is recorded as a
     * request that only looks, the removal's denial and then its own failure, both after the call (refusals, which
     * the refusal budget counts), not as an intent, the denial and the intent's outcome. Before: three records each,
     * the intent and its outcome outside the refusal budget.
     */
    @InEachLegacyDialect
    void anOrcloseRequestWhoseRemovalIsDeniedIsRecordedAsARefusalNotAsAChange(Dialect dialect) throws Exception {
        denyUnder("keep", "REMOVE");
        Files.writeString(fx.data.resolve("keep/there"), "there");
        try (TestSession s = attach(dialect)) {
            s.walk(TestSession.ROOT, 1, "keep");
            orcloseCreatesRefused(s);
            s.walk(TestSession.ROOT, 2, "keep", "there");
            assertEquals(Errno.EACCES, s.fails(new TMessage.Topen(2, OWRITE | OTRUNC | ORCLOSE)));
        }
        assertEquals("there", Files.readString(fx.data.resolve("keep/there")), "not truncated");
        for (String path : List.of("keep/tmp", "keep/tmpd", "keep/there")) {
            List<String> records = fx.audit.records.stream()
                    .filter(r -> r.request().paths().equals(List.of(path)))
                    .filter(r -> r.request().operation() != Operation.WALK)
                    .map(r -> r.request().operation() + " " + r.phase() + " "
                            + r.outcome().errno())
                    .toList();
            String op = path.equals("keep/tmp") ? "CREATE" : path.equals("keep/tmpd") ? "MKDIR" : "OPEN";
            assertEquals(List.of("REMOVE DONE EACCES", op + " DONE EACCES"), records, path);
        }
    }

    /**
     * An ORCLOSE open answers what the same Topen without ORCLOSE answers first, then the removal's refusal: a
     * read-only file whose reads are denied is EACCES (the open's refusal), not the removal's EROFS.
     */
    @InEachLegacyDialect
    void anOrcloseOpenAnswersTheOpensOwnRefusalBeforeTheRemovals(Dialect dialect) throws Exception {
        denyUnder("base", "OPEN_READ");
        try (TestSession s = attach(dialect)) {
            s.walk(TestSession.ROOT, 1, "base", "map.db");
            assertEquals(Errno.EACCES, s.fails(new TMessage.Topen(1, OREAD)), "without ORCLOSE");
            assertEquals(Errno.EACCES, s.fails(new TMessage.Topen(1, OREAD | ORCLOSE)));
        }
    }

    /** Makes /{@code dir} in alpha's share, adds a rule denying {@code ops} under it, and reopens the shares. */
    private void denyUnder(String dir, String ops) throws Exception {
        Files.createDirectories(fx.data.resolve(dir));
        Files.writeString(
                fx.policyFile,
                fx.policy("")
                        .replace(
                                "- id: no-scripts",
                                "- id: deny-" + dir + "\n            effect: deny\n            ops: [" + ops + "]\n"
                                        + "            paths: [\"/" + dir + "/**\"]\n          - id: no-scripts"));
        shares.close();
        shares = fx.shares(fx.holder());
    }

    /**
     * The legacy modes that change a file without asking for write access: OTRUNC with OREAD is a truncation
     * (OPEN_WRITE), and ORCLOSE's removal, whose permission open(5) makes the open's: asked before the open.
     */
    @InEachLegacyDialect
    void aReadOnlySubtreeRefusesOtruncAndOrcloseWithErofs(Dialect dialect) throws Exception {
        try (TestSession s = attach(dialect)) {
            s.walk(TestSession.ROOT, 1, "base", "map.db");
            assertEquals(Errno.EROFS, s.fails(new TMessage.Topen(1, OREAD | OTRUNC)));
            // open(5): ORCLOSE needs the removal's permission, refused at the open, not left to the clunk.
            assertEquals(Errno.EROFS, s.fails(new TMessage.Topen(1, OREAD | ORCLOSE)));
            s.expect(RMessage.Ropen.class, new TMessage.Topen(1, OREAD));
            s.clunk(1);
        }
        assertEquals("tiles", Files.readString(fx.data.resolve("base/map.db")));
    }

    /** A .u Tcreate of a special file is held to the rules of its 9P2000.L twin (Tsymlink, Tmknod, Tlink). */
    @Test
    void unixSpecialFilesAreHeldToTheRulesOfTheirTwins() throws Exception {
        try (TestSession s = attach(Dialect.U)) {
            s.walk(TestSession.ROOT, 1, "base");
            assertEquals(Errno.EROFS, s.fails(special(1, "l", Stat.DMSYMLINK, "/etc/passwd")));
            s.walk(TestSession.ROOT, 2);
            assertEquals(Errno.EPERM, s.fails(special(2, "null", Stat.DMDEVICE, "c 1 3")));
            assertEquals(Errno.EACCES, s.fails(special(2, "p.sh", Stat.DMNAMEDPIPE, "")));
            s.walk(TestSession.ROOT, 3, "base", "map.db");
            assertEquals(Errno.EROFS, s.fails(special(2, "map.db", DMLINK, "3\n")), "a writable name for /base");
        }
        try (var names = Files.list(fx.data)) {
            assertEquals(
                    List.of("base", "cache", "notes.txt", "secret"),
                    names.map(p -> p.getFileName().toString()).sorted().toList());
        }
        try (var names = Files.list(fx.data.resolve("base"))) {
            assertEquals(1, names.count());
        }
    }

    /**
     * A .u hard link (Tcreate DMLINK) is the Tlink and then the walk of the fid onto the new name; its qid is the
     * walk's. It was a getattr of the linked file under its old name, a decision of its own made after the link: under
     * a deny of GETATTR there (`ln /nostat/f /nostat/g`, LINK allowed) the link was made and the Tcreate answered
     * EACCES (red team of issue 14).
     */
    @Test
    void aHardLinkIsAnsweredByItsLinkAndWalkAlone() throws Exception {
        Files.createDirectory(fx.data.resolve("nostat"));
        Files.writeString(fx.data.resolve("nostat/f"), "f");
        Files.writeString(
                fx.policyFile,
                fx.policy("")
                        .replace(
                                "- id: no-scripts",
                                "- id: nostat\n            effect: deny\n            ops: [GETATTR]\n"
                                        + "            paths: [\"/nostat/*\"]\n          - id: no-scripts"));
        shares.close();
        shares = fx.shares(fx.holder());
        try (TestSession s = attach(Dialect.U)) {
            List<io.p9gate.gateway.proto.Qid> walked = s.walk(TestSession.ROOT, 1, "nostat", "f");
            s.walk(TestSession.ROOT, 2, "nostat");
            RMessage.Rcreate linked = s.expect(RMessage.Rcreate.class, special(2, "g", DMLINK, "1\n"));
            assertEquals(walked.getLast().path(), linked.qid().path(), "the new name's qid is the linked file's");
        }
        assertEquals("f", Files.readString(fx.data.resolve("nostat/g")));
    }

    private static TMessage.Tcreate special(int fid, String name, int type, String extension) {
        return new TMessage.Tcreate(fid, name, type | 0644, OREAD, Optional.of(extension));
    }

    @InEachLegacyDialect
    void aHiddenSubtreeIsAbsentFromWalksAndDirectoryReads(Dialect dialect) throws Exception {
        try (TestSession s = attach(dialect)) {
            Errno refused = s.fails(new TMessage.Twalk(TestSession.ROOT, 1, List.of("secret")));
            assertEquals(Errno.ENOENT, refused);
            assertOnTheWire(dialect, refused, "No such file or directory", 2);
            s.walk(TestSession.ROOT, 2);
            s.expect(RMessage.Ropen.class, new TMessage.Topen(2, OREAD));
            List<String> names = s.expect(RMessage.Rdirread.class, new TMessage.Tread(2, 0, 8192)).entries().stream()
                    .map(st -> st.common().name())
                    .toList();
            assertTrue(names.contains("notes.txt"), names.toString());
            assertFalse(names.contains("secret"), names.toString());
        }
    }

    /**
     * A 9P2000.u directory read describes "." as Tstat describes the directory: its HARDLINKCOUNT leaves out the
     * hidden /secret (R-POL-4). "." and ".." were asked of the policy as paths it cannot name ("secret/."): an ERROR
     * line with a stack trace per entry and Tread, and the host's link count, one higher for the hidden directory.
     */
    @Test
    void aDescribedListingCountsTheLinksOfDotAsStatDoes() throws Exception {
        try (TestSession s = attach(Dialect.U);
                io.p9gate.gateway.testing.LoggedLines log =
                        new io.p9gate.gateway.testing.LoggedLines("io.p9gate.gateway.fs.UnexpectedFaults")) {
            String stat = s.expect(RMessage.Rstat.class, new TMessage.Tstat(TestSession.ROOT))
                    .stat()
                    .unix()
                    .orElseThrow()
                    .extension();
            s.walk(TestSession.ROOT, 2);
            s.expect(RMessage.Ropen.class, new TMessage.Topen(2, OREAD));
            String dot = s.expect(RMessage.Rdirread.class, new TMessage.Tread(2, 0, 8192)).entries().stream()
                    .filter(st -> st.common().name().equals("."))
                    .findFirst()
                    .orElseThrow()
                    .unix()
                    .orElseThrow()
                    .extension();
            assertEquals(stat, dot, "the root's links as Tstat shows them");
            assertEquals(List.of(), log.startingWith(""), "no fault logged");
        }
    }

    @InEachLegacyDialect
    void aQuotaRefusesAWritePastItWithEdquot(Dialect dialect) throws Exception {
        Files.writeString(fx.data.resolve("cache/log"), "");
        try (TestSession s = attach(dialect)) {
            s.walk(TestSession.ROOT, 1, "cache", "log");
            s.expect(RMessage.Ropen.class, new TMessage.Topen(1, OWRITE));
            ByteBuf tooMuch = Unpooled.wrappedBuffer(new byte[2048]);
            try {
                Errno refused = s.fails(new TMessage.Twrite(1, 0, tooMuch));
                assertEquals(Errno.EDQUOT, refused);
                assertOnTheWire(dialect, refused, "Disk quota exceeded", 122);
            } finally {
                tooMuch.release();
            }
            assertEquals(100, s.write(1, 0, new byte[100]), "within the quota");
        }
        assertEquals(100, Files.size(fx.data.resolve("cache/log")));
        // Tstat in the same dialect sees what was written.
        try (TestSession s = attach(dialect)) {
            s.walk(TestSession.ROOT, 1, "cache", "log");
            Stat st = s.expect(RMessage.Rstat.class, new TMessage.Tstat(1)).stat();
            assertEquals(100, st.common().length());
        }
    }

    /**
     * A 9P2000.u Tstat of a symlink shows its target: a target that fills an Rstat to exactly msize is served, one
     * byte more is refused EIO while it is served, so the readlink's record says the EIO the guest gets. It was
     * replaced with EIO by the encoder after the record had said errno 0.
     */
    @Test
    void aDotUStatOfALinkNoReplyCanCarryIsRecordedAsTheEioTheGuestGets() throws Exception {
        int msize = 4096;
        Files.createSymbolicLink(fx.data.resolve("a"), Path.of("x"));
        int records = fx.audit.records.size();
        try (TestSession s = TestSession.attached(shares, fx.alphaListener(), Dialect.U, "data", msize)) {
            s.walk(TestSession.ROOT, 1, "a");
            RMessage.Rstat small = s.expect(RMessage.Rstat.class, new TMessage.Tstat(1));
            // size[4] type[1] tag[2] nstat[2], then the entry: the room left is what a longer target may add.
            int room = msize - (4 + 1 + 2 + 2) - small.stat().wireSize();
            Files.createSymbolicLink(fx.data.resolve("b"), Path.of("x".repeat(1 + room)));
            Files.createSymbolicLink(fx.data.resolve("c"), Path.of("x".repeat(2 + room)));
            s.walk(TestSession.ROOT, 2, "b");
            RMessage.Rstat full = s.expect(RMessage.Rstat.class, new TMessage.Tstat(2));
            assertEquals(msize, encodedSize(full), "an Rstat of exactly msize is served");
            s.walk(TestSession.ROOT, 3, "c");
            assertEquals(Errno.EIO, s.fails(new TMessage.Tstat(3)));
        }
        List<String> readlinks = fx.audit.records.subList(records, fx.audit.records.size()).stream()
                .filter(r -> r.request().operation() == Operation.READLINK)
                .map(r -> r.request().paths() + " " + r.outcome().errno())
                .toList();
        assertEquals(List.of("[a] null", "[b] null", "[c] EIO"), readlinks);
    }

    private static int encodedSize(RMessage reply) {
        ByteBuf out = Unpooled.buffer();
        try {
            MessageEncoder.writeHeaderAndBody(new Frame(1, reply), out);
            return out.readableBytes();
        } finally {
            out.release();
        }
    }

    /** The refusal as the session writes it in this dialect: Rerror's text, and in .u the errno after it. */
    private static void assertOnTheWire(Dialect dialect, Errno errno, String text, int number) {
        WireDialect wire = new WireDialect();
        wire.set(dialect);
        RMessage reply = wire.spell(new RMessage.Rlerror(errno));
        ByteBuf out = Unpooled.buffer();
        try {
            MessageEncoder.writeHeaderAndBody(new Frame(1, reply), out);
            out.skipBytes(Frame.HEADER_SIZE);
            int length = out.readUnsignedShortLE();
            assertEquals(
                    text, out.readCharSequence(length, StandardCharsets.UTF_8).toString());
            if (dialect == Dialect.U) {
                assertEquals(number, out.readIntLE());
            }
            assertEquals(0, out.readableBytes(), "nothing else in the Rerror");
        } finally {
            out.release();
        }
    }
}
