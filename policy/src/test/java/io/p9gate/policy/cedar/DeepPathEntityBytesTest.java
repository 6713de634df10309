package io.p9gate.policy.cedar;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.cedarpolicy.model.entity.Entities;
import com.cedarpolicy.model.entity.Entity;
import com.cedarpolicy.value.EntityUID;
import io.p9gate.policy.compile.Verdict;
import io.p9gate.policy.terms.OpKind;
import io.p9gate.policy.terms.PathQuestion;
import io.p9gate.policy.terms.SharePath;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What one Cedar decision is handed must grow linearly with the guest's path, not with its square. The File used to
 * list the Directory of every ancestor as a parent, each named by its whole path: for a path of depth d and L bytes
 * that is about d x L / 2 bytes of ids, serialised to JSON and parsed by Cedar on every decision. A guest chooses
 * both (the gateway serves directories up to 4096 levels deep, names of 255 bytes, no limit on the path's length):
 * 4096 levels of 1-byte names make 16 MiB per decision, 400 levels of 255-byte names 20 MiB (about 0.5 s of CPU
 * each, and a walk asks 16 of them, a Treaddir one per entry). Only a Directory a policy names can make {@code
 * resource in Directory::"…"} true, so only those ancestors need be listed. Bound: the ids handed to Cedar grow at
 * most about 4x when the path grows 4x (measured in characters, not time).
 */
class DeepPathEntityBytesTest {
    @TempDir
    Path dir;

    @Test
    void theEntitiesOfADecisionGrowLinearlyWithThePath() throws Exception {
        Path file = dir.resolve("extra.cedar");
        Files.writeString(file, """
                @id("no-reads-below-d")
                @errno("ENOENT")
                forbid (principal, action == P9gate::Action::"OPEN_READ",
                        resource in P9gate::Directory::"vm1/data:/d/d");
                """);
        CedarEvaluator cedar = new CedarPolicySetBuilder().addFile(file).build();
        long small = idChars(cedar, 500);
        long large = idChars(cedar, 2000);
        assertTrue(large <= 6 * small, "ids of a 4x deeper path: " + large + " chars against " + small);

        // The named ancestor is still seen at any depth, and only below it.
        Verdict deep = cedar.evaluate(question("/d".repeat(2000)));
        assertEquals(false, deep.allowed());
        assertEquals("ENOENT", deep.errno());
        assertEquals(
                "EACCES", cedar.evaluate(question("/e" + "/d".repeat(1999))).errno(), "no permit: default deny");
        assertEquals("EACCES", cedar.evaluate(question("/d")).errno());
    }

    private static PathQuestion question(String path) {
        return new PathQuestion("vm1", "data", OpKind.OPEN_READ, SharePath.of(path), 0, 0);
    }

    /** Characters of every entity id (and parent id) one decision at depth {@code depth} is handed. */
    private static long idChars(CedarEvaluator cedar, int depth) {
        Entities entities = cedar.entities(question("/d".repeat(depth)));
        long chars = 0;
        for (Entity e : entities.getEntities()) {
            chars += e.getEUID().toString().length();
            for (EntityUID parent : e.getParents()) {
                chars += parent.toString().length();
            }
        }
        return chars;
    }
}
