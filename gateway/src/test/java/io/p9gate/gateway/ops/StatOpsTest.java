package io.p9gate.gateway.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.proto.Qid;
import io.p9gate.gateway.proto.RMessage;
import io.p9gate.gateway.proto.Stat;
import io.p9gate.gateway.proto.TMessage;
import io.p9gate.gateway.proto.Wstats;
import io.p9gate.policy.dialect.Dialect;
import java.nio.file.Files;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Tstat of 9P2000 and 9P2000.u: the same getattr as Tgetattr, shown as a stat(5) entry (issue 14). */
class StatOpsTest extends ShareTestBase {
    private static final long MTIME = 1_700_000_000L;
    private static final long BEFORE_1970 = -315_619_200L; // 1960-01-01
    private static final long AFTER_2106 = 7_258_118_400L; // 2200-01-01

    @Override
    void populate() throws Exception {
        Files.writeString(share.resolve("hello.txt"), "hello world");
        Files.setLastModifiedTime(share.resolve("hello.txt"), FileTime.fromMillis(MTIME * 1000));
        Files.createDirectories(share.resolve("dir"));
        Files.createSymbolicLink(
                share.resolve("link"), share.resolve("hello.txt").getFileName());
        Files.writeString(share.resolve("twice"), "linked");
        Files.createLink(share.resolve("twice2"), share.resolve("twice"));
        Files.writeString(share.resolve("old"), "1960");
        Files.setLastModifiedTime(share.resolve("old"), FileTime.fromMillis(BEFORE_1970 * 1000));
        Files.writeString(share.resolve("far"), "2200");
        Files.setLastModifiedTime(share.resolve("far"), FileTime.fromMillis(AFTER_2106 * 1000));
    }

    private Stat stat(Dialect dialect, String name) throws Exception {
        try (TestSession u = TestSession.attached(factory, dialect)) {
            u.walk(TestSession.ROOT, 1, name);
            return u.expect(RMessage.Rstat.class, new TMessage.Tstat(1)).stat();
        }
    }

    @Test
    void aFileShowsItsGetattrWithTheMappedIdsAsText() throws Exception {
        try (TestSession u = TestSession.attached(factory, Dialect.U)) {
            u.walk(TestSession.ROOT, 1, "hello.txt");
            var attr = u.getattr(1).attr();
            Stat st = u.expect(RMessage.Rstat.class, new TMessage.Tstat(1)).stat();
            Stat.Common c = st.common();
            assertEquals(attr.mode() & 0777, c.mode());
            assertEquals(11, c.length());
            assertEquals((int) MTIME, c.mtime());
            assertEquals(attr.qid(), c.qid());
            assertEquals(Integer.toString(attr.uid()), c.uid());
            assertEquals(Integer.toString(attr.gid()), c.gid());
            assertEquals(
                    Optional.of(new Stat.Unix("HARDLINKCOUNT 1", attr.uid(), attr.gid(), TMessage.NONUNAME)),
                    st.unix());
        }
    }

    /** stat(5) name: the last path element, "/" for the root of the export (as Plan 9's servers show it). */
    @Test
    void theNameIsTheLastPathElementAndSlashForTheRoot() throws Exception {
        assertEquals("hello.txt", stat(Dialect.LEGACY, "hello.txt").common().name());
        assertEquals("dir", stat(Dialect.U, "dir").common().name());
        try (TestSession u = TestSession.attached(factory, Dialect.U)) {
            u.walk(TestSession.ROOT, 1, "dir");
            u.walk(1, 2, "..");
            assertEquals(
                    "/",
                    u.expect(RMessage.Rstat.class, new TMessage.Tstat(2))
                            .stat()
                            .common()
                            .name());
            assertEquals(
                    "/",
                    u.expect(RMessage.Rstat.class, new TMessage.Tstat(TestSession.ROOT))
                            .stat()
                            .common()
                            .name());
        }
    }

    @Test
    void plain9P2000HasNoUnixFieldsAndADirectoryHasDmdir() throws Exception {
        Stat st = stat(Dialect.LEGACY, "dir");
        assertEquals(Optional.empty(), st.unix());
        assertEquals(Stat.DMDIR, st.common().mode() & Stat.DMDIR);
        assertEquals(Qid.QTDIR, st.common().qid().type());
        assertEquals(0, st.common().length(), "stat(5): directories have length 0");
    }

    @Test
    void aUnixSymlinkCarriesItsTargetInTheExtension() throws Exception {
        Stat st = stat(Dialect.U, "link");
        assertTrue((st.common().mode() & Stat.DMSYMLINK) != 0);
        assertEquals("hello.txt", st.unix().orElseThrow().extension());
    }

    /**
     * .u has no nlink field; the Linux client reads a regular file's or a directory's link count from an extension
     * "HARDLINKCOUNT n" (fs/9p/vfs_inode.c v9fs_stat2inode), else shows 1.
     */
    @Test
    void aUnixFileAndDirectoryCarryTheirLinkCountInTheExtension() throws Exception {
        assertEquals(
                "HARDLINKCOUNT 2", stat(Dialect.U, "twice").unix().orElseThrow().extension());
        assertEquals(
                "HARDLINKCOUNT 2", stat(Dialect.U, "dir").unix().orElseThrow().extension());
    }

    @Test
    void aUnixDirectoryListingCarriesTheLinkCountsToo() throws Exception {
        try (TestSession u = TestSession.attached(factory, Dialect.U)) {
            u.walk(TestSession.ROOT, 1);
            u.expect(RMessage.Ropen.class, new TMessage.Topen(1, 0));
            var listed = u.expect(RMessage.Rdirread.class, new TMessage.Tread(1, 0, 8192))
                    .entries();
            Stat twice = listed.stream()
                    .filter(e -> e.common().name().equals("twice"))
                    .findFirst()
                    .orElseThrow();
            assertEquals("HARDLINKCOUNT 2", twice.unix().orElseThrow().extension());
        }
    }

    /**
     * stat(5)'s times are unsigned 32-bit seconds: a host time outside them is shown as the nearest one, never cut to
     * its low 32 bits (1960 read as 2096, 2200 as 2063: a build tool in a .u guest took an old file for a new one).
     */
    @Test
    void aHostTimeOutsideStatFiveSecondsIsShownAsTheNearestOne() throws Exception {
        for (Dialect dialect : List.of(Dialect.U, Dialect.LEGACY)) {
            Stat.Common old = stat(dialect, "old").common();
            assertEquals(0L, Integer.toUnsignedLong(old.mtime()), dialect + " mtime before 1970");
            Stat.Common far = stat(dialect, "far").common();
            assertEquals(0xFFFF_FFFEL, Integer.toUnsignedLong(far.mtime()), dialect + " mtime after 2106");
        }
    }

    /**
     * A time read back and written as it was (cp -p, touch -r, tar x in a .u guest of a host file of 2200) is set:
     * shown as 4294967295, stat(5)'s "don't touch" in a Twstat, the copy kept the time of its making.
     */
    @Test
    void aClampedTimeWrittenBackIsSetNotTakenForDontTouch() throws Exception {
        for (Dialect dialect : List.of(Dialect.U, Dialect.LEGACY)) {
            Stat.Common far = stat(dialect, "far").common();
            try (TestSession t = TestSession.attached(factory, dialect)) {
                t.walk(TestSession.ROOT, 1, "twice");
                t.expect(
                        RMessage.Rwstat.class,
                        Wstats.plain(1, Wstats.common(-1, "", far.atime(), far.mtime(), -1L, "")));
            }
            assertEquals(
                    FileTime.from(Integer.toUnsignedLong(far.mtime()), TimeUnit.SECONDS),
                    Files.getLastModifiedTime(share.resolve("twice")),
                    dialect + ": the copy's mtime");
        }
    }
}
