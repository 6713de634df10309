package io.p9gate.gateway.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.backend.LinuxSyscalls;
import io.p9gate.gateway.proto.Qid;
import java.nio.file.Files;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A walk stats each entry it reaches once (issue 11, fewer syscalls per stat): the lookup's statx, which tells
 * the handle's type, also gives the name's qid. Counted through {@link LinuxSyscalls#statxCalls()} over many
 * walks (the count is the process's, so a margin for any other thread), never timed. The qid must still be the
 * one Tgetattr shows.
 */
class WalkSyscallsTest extends ShareTestBase {
    private static final int WALKS = 200;

    @Override
    void populate() throws Exception {
        Files.createDirectories(share.resolve("d"));
        Files.writeString(share.resolve("d/f"), "x");
    }

    @Test
    void aWalkOfOneNameMakesOneStatx() throws Exception {
        long before = LinuxSyscalls.statxCalls();
        for (int i = 0; i < WALKS; i++) {
            s.walk(TestSession.ROOT, 1, "d");
            s.clunk(1);
        }
        long perWalk100 = (LinuxSyscalls.statxCalls() - before) * 100 / WALKS;
        assertTrue(perWalk100 < 150, "statx per walk of one name x100: " + perWalk100 + " (one is the lookup's)");
    }

    @Test
    void theWalksQidsAreTheOnesTgetattrShows() throws Exception {
        List<Qid> qids = s.walk(TestSession.ROOT, 1, "d", "f");
        s.walk(TestSession.ROOT, 2, "d");
        assertEquals(s.getattr(2).attr().qid(), qids.get(0));
        assertEquals(s.getattr(1).attr().qid(), qids.get(1));
        assertEquals(List.of(qids.get(0), qids.get(0)), s.walk(TestSession.ROOT, 3, "d", "."));
        assertEquals(List.of(s.getattr(TestSession.ROOT).attr().qid(), qids.get(0)), s.walk(2, 4, "..", "d"));
    }
}
