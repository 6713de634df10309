package io.p9gate.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.policy.load.PolicyLoadException;
import io.p9gate.policy.model.Limit;
import io.p9gate.policy.model.VmLimits;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** R-ROB-2: a VM's {@code limits:} in the policy, and the values the loader refuses. */
class PolicyLimitsTest {

    @TempDir
    Path dir;

    private static String withLimits(String limits) {
        return PolicyFiles.oneVmWith("limits: " + limits);
    }

    @Test
    void everyLimitIsReadAndBytesTakeSuffixes() throws Exception {
        PolicyEngine e = PolicyEngine.load(PolicyFiles.write(
                dir,
                "p.yaml",
                withLimits("{connections: 4, outstanding: 32, fids: 5000, descriptors: 1000, xattr-bytes: 8MiB, "
                        + "locks: 200, reply-bytes: 64MiB, weight: 3}")));
        assertEquals(
                Map.of(
                        Limit.CONNECTIONS,
                        4L,
                        Limit.OUTSTANDING,
                        32L,
                        Limit.FIDS,
                        5000L,
                        Limit.DESCRIPTORS,
                        1000L,
                        Limit.XATTR_BYTES,
                        8L << 20,
                        Limit.LOCKS,
                        200L,
                        Limit.REPLY_BYTES,
                        64L << 20,
                        Limit.WEIGHT,
                        3L),
                e.policy().vms().get("vm1").limits().given());
    }

    @Test
    void limitsLeftOutAreLeftToTheGateway() throws Exception {
        PolicyEngine e = PolicyEngine.load(PolicyFiles.write(dir, "p.yaml", withLimits("{fids: 10}")));
        VmLimits limits = e.policy().vms().get("vm1").limits();
        assertEquals(10, limits.get(Limit.FIDS).getAsLong());
        assertTrue(limits.get(Limit.DESCRIPTORS).isEmpty());
        PolicyEngine none = PolicyEngine.load(PolicyFiles.write(dir, "q.yaml", PolicyFiles.oneShare("path: /srv/x\n")));
        assertEquals(VmLimits.NONE, none.policy().vms().get("vm1").limits());
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "{fids: 0}",
                "{weight: 101}",
                "{outstanding: -3}",
                "{connections: many}",
                "{xattr-bytes: 4KB}",
                "{reply-bytes: 0}",
                "{max-fids: 3}",
                "[1, 2]"
            })
    void badLimitsAreRefusedAtTheirLine(String limits) throws Exception {
        Path p = PolicyFiles.write(dir, "p.yaml", withLimits(limits));
        PolicyLoadException e = assertThrows(PolicyLoadException.class, () -> PolicyEngine.load(p));
        assertEquals(5, e.pos().line(), e.getMessage());
    }
}
