package io.p9gate.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.policy.dialect.Dialect;
import io.p9gate.policy.load.PolicyLoadException;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** R-PROTO-7: a VM's {@code dialects:} list, which 9P dialects its sessions may negotiate. */
class PolicyDialectsTest {

    @TempDir
    Path dir;

    private static String withDialects(String dialects) {
        return PolicyFiles.oneVmWith("dialects: " + dialects);
    }

    @Test
    void theListedDialectsAreTheOnlyOnesAllowed() throws Exception {
        PolicyEngine e = PolicyEngine.load(PolicyFiles.write(dir, "p.yaml", withDialects("[9p2000.L, 9p2000]")));
        assertEquals(
                EnumSet.of(Dialect.L, Dialect.LEGACY),
                e.policy().vms().get("vm1").dialects());
    }

    @Test
    void namesAreReadWithoutRegardToCase() throws Exception {
        PolicyEngine e = PolicyEngine.load(PolicyFiles.write(dir, "p.yaml", withDialects("[9P2000.u]")));
        assertEquals(Set.of(Dialect.U), e.policy().vms().get("vm1").dialects());
    }

    @Test
    void withoutTheKeyEveryDialectIsAllowed() throws Exception {
        PolicyEngine e = PolicyEngine.load(PolicyFiles.write(dir, "p.yaml", PolicyFiles.oneShare("path: /srv/x\n")));
        assertTrue(e.policy().vms().get("vm1").dialects().containsAll(EnumSet.allOf(Dialect.class)));
    }

    @ParameterizedTest
    @ValueSource(strings = {"[]", "[9p2000.x]", "[9P1]", "9p2000.L", "{a: b}"})
    void badListsAreRefusedAtTheirLine(String dialects) throws Exception {
        Path p = PolicyFiles.write(dir, "p.yaml", withDialects(dialects));
        PolicyLoadException e = assertThrows(PolicyLoadException.class, () -> PolicyEngine.load(p));
        assertEquals(5, e.pos().line(), e.getMessage());
    }
}
