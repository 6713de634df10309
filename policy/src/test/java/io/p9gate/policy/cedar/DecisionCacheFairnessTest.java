package io.p9gate.policy.cedar;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.p9gate.policy.compile.PathEvaluator;
import io.p9gate.policy.compile.Verdict;
import io.p9gate.policy.terms.OpKind;
import io.p9gate.policy.terms.PathQuestion;
import io.p9gate.policy.terms.SharePath;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * One VM must not degrade another (R-ROB-2). With hand-written Cedar every decision goes through the decision cache,
 * and it was one cache for all VMs, keyed by guest-chosen paths: a VM walking distinct (say nonexistent) names
 * evicted every other VM's decisions, so each of theirs cost a Cedar call (~100+ us instead of ~0.1 us). Measured
 * in Cedar calls, not time: after VM A's flood, VM B's warm decisions must all still be hits.
 */
class DecisionCacheFairnessTest {
    private static final long BOUND = 1 << 20;

    @Test
    void aVmFloodingTheCacheEvictsOnlyItsOwnDecisions() {
        CountingCedar cedar = new CountingCedar();
        CachingEvaluator cache = new CachingEvaluator(cedar, Set.of("vmA", "vmB"), BOUND);
        List<PathQuestion> bs = IntStream.range(0, 100)
                .mapToObj(i -> question("vmB", "/etc/app" + i))
                .toList();
        bs.forEach(cache::evaluate);
        assertEquals(100, cedar.calls("vmB"));

        for (int i = 0; i < 4 * BOUND / 256; i++) cache.evaluate(question("vmA", "/no/such" + i));
        bs.forEach(cache::evaluate);
        assertEquals(100, cedar.calls("vmB"), "VM B's decisions asked Cedar again after VM A's flood");

        // A is still bounded: its flood evicted its own first decisions.
        int before = cedar.calls("vmA");
        cache.evaluate(question("vmA", "/no/such0"));
        assertEquals(before + 1, cedar.calls("vmA"));
    }

    @Test
    void aDecisionIsNeverServedForAnotherVm() {
        CountingCedar cedar = new CountingCedar();
        CachingEvaluator cache = new CachingEvaluator(cedar, Set.of("vmA", "vmB"), BOUND);
        assertEquals(true, cache.evaluate(question("vmA", "/x")).allowed());
        assertEquals(false, cache.evaluate(question("vmB", "/x")).allowed());
        assertEquals(true, cache.evaluate(question("vmA", "/x")).allowed());
        assertEquals(false, cache.evaluate(question("vmB", "/x")).allowed());
        assertEquals(1, cedar.calls("vmA"));
        assertEquals(1, cedar.calls("vmB"));
    }

    @Test
    void aVmThePolicyDoesNotDeclareHasNoShareOfTheCache() {
        CountingCedar cedar = new CountingCedar();
        CachingEvaluator cache = new CachingEvaluator(cedar, Set.of("vmA", "vmB"), BOUND);
        cache.evaluate(question("vmC", "/x"));
        cache.evaluate(question("vmC", "/x"));
        assertEquals(2, cedar.calls("vmC"));
    }

    private static PathQuestion question(String vm, String path) {
        return new PathQuestion(vm, "data", OpKind.WALK, SharePath.of(path), 0, 0);
    }

    /** Stands in for Cedar: allows vmA, denies everyone else, and counts calls per VM. */
    private static final class CountingCedar implements PathEvaluator {
        private final Map<String, Integer> calls = new HashMap<>();

        @Override
        public Verdict evaluate(PathQuestion q) {
            calls.merge(q.vm(), 1, Integer::sum);
            return q.vm().equals("vmA")
                    ? new Verdict(true, null, List.of("a"))
                    : new Verdict(false, "EACCES", List.of());
        }

        int calls(String vm) {
            return calls.getOrDefault(vm, 0);
        }
    }
}
