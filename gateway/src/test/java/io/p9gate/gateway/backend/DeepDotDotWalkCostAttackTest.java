package io.p9gate.gateway.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.ops.DeepTrees;
import io.p9gate.gateway.ops.TestSession;
import io.p9gate.gateway.wiring.ShareServerFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A guest chooses how deep its directories go, and a walk's ".." names are checked against the kernel one by one.
 * Each ".." climbed to the share root to prove its parent beneath it, then asked the kernel the parent's path, which
 * beyond PATH_MAX is a second climb: a Twalk of 16 ".." names 2,000 levels deep cost ~0.7 s of gateway CPU. Now the
 * walk's ".." steps share one descent from the root ({@link WalkAncestry}): at most a few climbs' worth of system
 * calls per walk, whatever its number of ".." names. Counted in system calls, not time.
 */
class DeepDotDotWalkCostAttackTest {
    private static final int DOTDOTS = 16;
    /** System calls per level of one climb by "..": openat, statx, close, and a statx to name the level. */
    private static final int CALLS_PER_LEVEL = 4;
    /** Climbs a walk with ".." may make: where it starts, the descent, where it ends, and one more for slack. */
    private static final int CLIMBS = 4;

    @TempDir
    Path tmp;

    @Test
    void sixteenDotDotsBeyondPathMaxCostAFewClimbsNotThirtyTwo() throws Exception {
        assertAFewClimbs("n".repeat(60), 100);
    }

    @Test
    void sixteenDotDotsWithinPathMaxCostAFewClimbsNotSixteen() throws Exception {
        assertAFewClimbs("d", 300);
    }

    private void assertAFewClimbs(String level, int depth) throws Exception {
        Path share = Files.createDirectories(tmp.resolve("share"));
        try (ShareServerFactory factory = TestSession.factory(share);
                TestSession s = TestSession.attached(factory)) {
            int dir = DeepTrees.descend(s, level, depth);
            String[] up = Collections.nCopies(DOTDOTS, "..").toArray(String[]::new);

            long before = LinuxSyscalls.calls();
            int reached = depth + 1;
            assertEquals(DOTDOTS, s.walk(dir, reached, up).size());
            long calls = LinuxSyscalls.calls() - before;

            assertTrue(
                    calls <= (long) CLIMBS * CALLS_PER_LEVEL * depth,
                    "system calls of one Twalk of " + DOTDOTS + " '..' names " + depth + " levels deep: " + calls
                            + ", more than " + CLIMBS + " climbs of " + CALLS_PER_LEVEL + " per level");
            // Down again between the climbs: each name found in a directory the walk has placed needs no climb either.
            String[] upAndDown = new String[DOTDOTS];
            for (int i = 0; i < DOTDOTS; i++) {
                upAndDown[i] = i % 2 == 0 ? ".." : level;
            }
            before = LinuxSyscalls.calls();
            assertEquals(DOTDOTS, s.walk(dir, reached + 3, upAndDown).size());
            calls = LinuxSyscalls.calls() - before;
            assertTrue(
                    calls <= (long) CLIMBS * CALLS_PER_LEVEL * depth,
                    "system calls of one Twalk of " + DOTDOTS + " names, '..' and a name in turn, " + depth
                            + " levels deep: " + calls);
            assertEquals(
                    s.getattr(dir).attr().qid(), s.getattr(reached + 3).attr().qid());

            // It reached the directory 16 levels up: a name there is the next level's.
            s.walk(reached, reached + 1, level);
            assertEquals(
                    s.getattr(reached + 1).attr().qid(),
                    s.walk(dir, reached + 2, List.of(up).subList(0, DOTDOTS - 1).toArray(String[]::new))
                            .getLast());
        } finally {
            DeepTrees.remove(share);
        }
    }
}
