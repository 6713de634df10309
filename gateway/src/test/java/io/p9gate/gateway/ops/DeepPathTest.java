package io.p9gate.gateway.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.TMessage;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 15 cause 3: a guest path is legal at any depth, but the kernel reports a handle's path through
 * /proc/self/fd only up to PATH_MAX (4096) bytes. 20 levels of 240-byte names put the host path far beyond it;
 * every request there must still be decided on its share-relative path and served (pjdfstest *&#47;03.t).
 */
class DeepPathTest extends ShareTestBase {
    private static final int LEVELS = 20;
    private static final int DEEP = 100;
    private static final int RDONLY = 0;
    private static final int RDWR = 2;

    private static String name(int level) {
        return String.valueOf((char) ('a' + level)).repeat(240);
    }

    /** Makes the levels with Tmkdir and walks fid 1..LEVELS to each; returns the deepest fid. */
    private int descend() throws Exception {
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
