package io.p9gate.gateway.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.p9gate.gateway.ops.DeepTrees;
import io.p9gate.gateway.ops.TestSession;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.TMessage;
import io.p9gate.gateway.wiring.ShareServerFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every walk checks with the kernel that the directory it reached is where it was decided, and beyond PATH_MAX the
 * kernel names a directory only by climbing "..": at each level the gateway read its parent's entries until it found
 * the directory's. So each walk in a deep directory cost the sizes of all its ancestors, which a guest grows once
 * (one Tlcreate a name) and the gateway paid again at every walk, every change: measured, 20 levels of 255-byte
 * names under a share root of 100,000 files, 24 ms of CPU per Twalk (19-47 ms) against 4.9 ms with 10 files. Now
 * the climb looks up the name the walk was decided on first (one statx a level) and reads a parent's entries only
 * where that name is not the directory. Counted in directory entries read, not time.
 */
class ClimbSiblingsAttackTest {
    private static final String LEVEL = "d".repeat(255);
    /** Levels of 255-byte names: past PATH_MAX from the 16th. */
    private static final int DEPTH = 20;
    /** Levels whose host path is short enough for Java's file API to fill with other names. */
    private static final int FILLED = 12;

    private static final int SIBLINGS = 200;

    @TempDir
    Path tmp;

    @AfterEach
    void removeTheDeepTree() throws Exception {
        DeepTrees.remove(tmp.resolve("share"));
    }

    @Test
    void aWalkBeyondPathMaxReadsNoAncestorsEntries() throws Exception {
        Path share = Files.createDirectories(tmp.resolve("share"));
        try (ShareServerFactory factory = TestSession.factory(share);
                TestSession s = TestSession.attached(factory)) {
            int dir = TestSession.ROOT;
            for (int level = 0; level < DEPTH; level++) {
                s.call(new TMessage.Tmkdir(dir, LEVEL, 0755, 0));
                s.walk(dir, level + 1, LEVEL);
                dir = level + 1;
            }
            s.call(new TMessage.Tmkdir(dir, "x", 0755, 0));
            Path filled = share;
            for (int level = 0; level < FILLED; level++) {
                for (int i = 0; i < SIBLINGS; i++) {
                    Files.createFile(filled.resolve("sibling-" + i));
                }
                filled = filled.resolve(LEVEL);
            }

            long before = KernelPaths.climbEntriesRead();
            for (int walk = 0; walk < 5; walk++) {
                s.walk(dir, 100, "x");
                s.walk(100, 101, "..");
                s.clunk(100);
                s.clunk(101);
            }
            assertEquals(
                    0,
                    KernelPaths.climbEntriesRead() - before,
                    "entries of the ancestors read by 10 walks beyond PATH_MAX whose directories stayed put");

            // A directory the host moved is still found by reading the entries: the walk is refused as moved.
            Files.move(share.resolve(LEVEL), share.resolve("moved"));
            assertEquals(Errno.ENOENT, s.fails(new TMessage.Twalk(dir, 102, List.of("x"))));
        }
    }
}
