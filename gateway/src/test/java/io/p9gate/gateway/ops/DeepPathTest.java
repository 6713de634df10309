package io.p9gate.gateway.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.RMessage;
import io.p9gate.gateway.proto.Stat;
import io.p9gate.gateway.proto.TMessage;
import io.p9gate.gateway.proto.Wstats;
import io.p9gate.policy.dialect.Dialect;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 15 cause 3: a guest path is legal up to 4,095 bytes below the share, but the kernel reports a handle's path
 * through /proc/self/fd only up to PATH_MAX (4096) bytes of host path, the share's own included. 16 levels of
 * 240-byte names and one of 232 put the deepest directory at 4,089 bytes of share path (room for "/after"), the
 * host path beyond PATH_MAX; every request there must still be decided on its share-relative path and served
 * (pjdfstest *&#47;03.t).
 */
class DeepPathTest extends ShareTestBase {
    private static final int LEVELS = 17;
    private static final int DEEPEST = 16 * 241 + 1 + 232;
    private static final int DEEP = 100;
    private static final int RDONLY = 0;
    private static final int RDWR = 2;

    private static String name(int level) {
        return String.valueOf((char) ('a' + level)).repeat(level < LEVELS - 1 ? 240 : 232);
    }

    /** Makes the levels with Tmkdir and walks fid 1..LEVELS to each; returns the deepest fid. */
    private int descend() throws Exception {
        assertTrue(share.toString().length() + DEEPEST > 4096, "the host path passes PATH_MAX");
        int fid = TestSession.ROOT;
        for (int level = 0; level < LEVELS; level++) {
            s.call(new TMessage.Tmkdir(fid, name(level), 0755, 0));
            s.walk(fid, level + 1, name(level));
            fid = level + 1;
        }
        return fid;
    }

    /** Java's file API cannot delete a tree deeper than PATH_MAX; rm works one directory handle at a time. */
    @AfterEach
    void removeTheDeepTree() throws Exception {
        Process rm = new ProcessBuilder("rm", "-rf", share.resolve(name(0)).toString())
                .inheritIO()
                .start();
        assertEquals(0, rm.waitFor());
    }

    @Test
    void statCreateRenameAndRemoveWorkBeyondPathMaxOfHostBytes() throws Exception {
        int deepest = descend();
        s.walk(deepest, DEEP, new String[0]);
        s.lcreate(DEEP, "f", RDWR, 0644);
        s.write(DEEP, 0, "deep".getBytes(StandardCharsets.UTF_8));
        s.clunk(DEEP);

        s.walk(deepest, DEEP, "f");
        assertEquals(4, s.getattr(DEEP).attr().size());
        s.clunk(DEEP);

        s.call(new TMessage.Trenameat(deepest, "f", deepest, "g"));
        assertEquals(Errno.ENOENT, s.fails(new TMessage.Twalk(deepest, DEEP, java.util.List.of("f"))));
        s.walk(deepest, DEEP, "g");
        s.lopen(DEEP, RDONLY);
        assertEquals("deep", s.readString(DEEP));
        s.clunk(DEEP);

        s.call(new TMessage.Tunlinkat(deepest, "g", 0));
        assertEquals(Errno.ENOENT, s.fails(new TMessage.Twalk(deepest, DEEP, java.util.List.of("g"))));
    }

    /**
     * The legacy dialects' requests that make entries (Tcreate of a file or directory, Twstat's rename) are refused
     * beyond 4,095 bytes of share path as their 9P2000.L twins are, and exactly 4,095 is still made.
     */
    @Test
    void legacyRequestsMakeNoPathBeyond4095Bytes() throws Exception {
        descend();
        try (TestSession legacy = TestSession.attached(factory, Dialect.U)) {
            List<String> names =
                    IntStream.range(0, LEVELS).mapToObj(DeepPathTest::name).toList();
            legacy.walk(TestSession.ROOT, 1, names.subList(0, 16).toArray(String[]::new));
            legacy.walk(1, 2, names.get(16)); // at 4,089 bytes
            legacy.walk(2, 3);
            assertEquals(
                    Errno.ENAMETOOLONG, legacy.fails(new TMessage.Tcreate(3, "abcdefg", 0640, RDWR, Optional.empty())));
            assertEquals(
                    Errno.ENAMETOOLONG,
                    legacy.fails(new TMessage.Tcreate(3, "abcdefg", Stat.DMDIR | 0750, 0, Optional.empty())));
            legacy.expect(RMessage.Rcreate.class, new TMessage.Tcreate(3, "abcde", 0640, RDWR, Optional.empty()));
            legacy.expect(RMessage.Rclunk.class, new TMessage.Tclunk(3));
            legacy.walk(2, 3, "abcde"); // 4,095 bytes
            assertEquals(Errno.ENAMETOOLONG, legacy.fails(Wstats.rename(3, "abcdef")));
            legacy.expect(RMessage.Rwstat.class, Wstats.rename(3, "vwxyz"));
            legacy.walk(2, 4, "vwxyz");
        }
    }

    /** After a rename the held fids learn their paths again: deep directories by climbing, not from /proc. */
    @Test
    void aDeepDirectoryFidKeepsWorkingAfterItsAncestorIsRenamed() throws Exception {
        int deepest = descend();
        s.call(new TMessage.Trenameat(1, name(1), 1, "moved"));
        s.walk(deepest, DEEP, new String[0]);
        s.lcreate(DEEP, "after", RDWR, 0644);
        s.clunk(DEEP);
        s.expect(io.p9gate.gateway.proto.RMessage.Rgetattr.class, new TMessage.Tgetattr(deepest, 0x7ff));
        s.walk(1, DEEP, "moved");
        s.call(new TMessage.Trename(DEEP, 1, name(1)));
        s.walk(deepest, DEEP + 1, "after");
        s.call(new TMessage.Tremove(DEEP + 1));
    }
}
