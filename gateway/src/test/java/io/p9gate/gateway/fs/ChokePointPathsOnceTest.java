package io.p9gate.gateway.fs;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.p9gate.gateway.proto.P9Exception;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A request's paths are derived once for everything the choke point does with them: derived anew, a rename of a
 * directory above the fid landing in between made a check, the decision and the record name different paths.
 */
class ChokePointPathsOnceTest {
    @Test
    void aPathThatGrowsBetweenDerivationsIsCheckedAsItIsDecidedAndRecorded() throws Exception {
        GuardedFsTest.RecordingPolicy policy = new GuardedFsTest.RecordingPolicy();
        GuardedFsTest.RecordingAudit audit = new GuardedFsTest.RecordingAudit();
        ChokePoint guard = new ChokePoint("vm", 1, policy, audit, ShareSafety.NONE);
        String deep = "a/" + "b".repeat(4200);
        // A rename above the fid lands after the first derivation.
        AtomicInteger derived = new AtomicInteger();
        guardedGetattr(guard, () -> List.of(derived.getAndIncrement() == 0 ? "a/b" : deep));
        assertEquals(1, policy.asked.size());
        for (var asked : policy.asked) {
            assertEquals(List.of("a/b"), asked.paths(), "decided on the first derivation");
        }
        assertEquals(1, audit.records.size());
        for (GuardedFsTest.Recorded r : audit.records) {
            assertEquals(List.of("a/b"), r.request().paths(), "recorded with the path decided");
        }
    }

    /** A Tgetattr through the guard, whose paths are derived by {@code paths}. */
    private static void guardedGetattr(ChokePoint guard, ChokePoint.PathsOf paths) throws P9Exception {
        guard.inspect(
                Operation.GETATTR,
                new Subject(0, 0),
                "s",
                paths,
                new RequestArgs.None(),
                () -> new GuardedFs.Walked(List.of(), null, null),
                ChokePoint.NO_BYTES);
    }
}
