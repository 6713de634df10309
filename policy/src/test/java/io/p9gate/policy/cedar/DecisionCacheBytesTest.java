package io.p9gate.policy.cedar;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.policy.compile.PathEvaluator;
import io.p9gate.policy.compile.Verdict;
import io.p9gate.policy.terms.OpKind;
import io.p9gate.policy.terms.PathQuestion;
import io.p9gate.policy.terms.SharePath;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The decision cache is keyed by guest-chosen paths, and a path has no length limit (names of 255 bytes, 4096
 * levels): bounded in entries, 65,536 decisions for paths of 16 names (3.85 KB, a tree any writable share allows)
 * held 543 MiB (8.7 KB each, measured), more than the gateway's heap (a quarter of MemoryMax=1G), so one VM walking
 * distinct names below such a directory could fill the heap and end the gateway for every VM (R-ROB-2). The bound
 * must hold in bytes, whatever the paths; measured as the cache's own estimate of what its entries hold.
 */
class DecisionCacheBytesTest {
    private static final long BOUND = 1 << 20;

    @Test
    void longPathsDoNotTakeTheCachePastItsBoundInBytes() {
        CachingEvaluator cache = new CachingEvaluator(new AllowAll(), Set.of("vmA", "vmB"), BOUND);
        String deep = ("/" + "d".repeat(255)).repeat(15);
        for (int i = 0; i < 2000; i++) cache.evaluate(question("vmA", deep + "/no-such-" + i));
        long held = cache.heldBytes();
        assertTrue(held <= BOUND, "held " + held + " bytes, bound " + BOUND);
    }

    /** A path of characters past Latin-1 is held as UTF-16, two bytes a character: it must weigh that. */
    @Test
    void aPathOfWideCharactersWeighsTwiceItsLength() {
        String ascii = "/" + "a".repeat(200);
        String wide = "/" + "\u6587".repeat(200);
        Verdict v = new AllowAll().evaluate(question("vmA", ascii));
        int extra =
                CachingEvaluator.weight(question("vmA", wide), v) - CachingEvaluator.weight(question("vmA", ascii), v);
        assertTrue(extra >= 2 * 201, "a UTF-16 path weighs " + extra + " bytes more than a Latin-1 one of 201 chars");
    }

    @Test
    void aPathHeavierThanTheVmsShareIsDecidedButNotKept() {
        AllowAll cedar = new AllowAll();
        CachingEvaluator cache = new CachingEvaluator(cedar, Set.of("vmA", "vmB"), BOUND);
        String huge = ("/" + "d".repeat(255)).repeat(4096);
        assertTrue(cache.evaluate(question("vmA", huge)).allowed());
        assertTrue(cache.evaluate(question("vmA", huge)).allowed());
        assertEquals(2, cedar.calls.get());
        assertTrue(cache.heldBytes() <= BOUND);
        // Short paths are still remembered.
        cache.evaluate(question("vmA", "/x"));
        cache.evaluate(question("vmA", "/x"));
        assertEquals(3, cedar.calls.get());
    }

    @Test
    void theRuleIdsOfADecisionCountToo() {
        List<String> ids = java.util.stream.IntStream.range(0, 200)
                .mapToObj(i -> "hand-written-rule-" + i)
                .toList();
        CachingEvaluator cache = new CachingEvaluator(q -> new Verdict(true, null, ids), Set.of("vmA", "vmB"), BOUND);
        for (int i = 0; i < 2000; i++) cache.evaluate(question("vmA", "/f" + i));
        long held = cache.heldBytes();
        assertTrue(held <= BOUND, "held " + held + " bytes, bound " + BOUND);
    }

    private static PathQuestion question(String vm, String path) {
        return new PathQuestion(vm, "data", OpKind.WALK, SharePath.of(path), 0, 0);
    }

    private static final class AllowAll implements PathEvaluator {
        final AtomicInteger calls = new AtomicInteger();

        @Override
        public Verdict evaluate(PathQuestion q) {
            calls.incrementAndGet();
            return new Verdict(true, null, List.of("a"));
        }
    }
}
