package io.p9gate.gateway.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.p9gate.policy.dialect.Dialect;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link PolicyFuzzTest}'s hostile VM on {@value #DRIVERS} x 2 connections at once (the same identity several times),
 * each pair driven by a thread of its own through its own {@link HostileSequence}: their fids race on the same few
 * names (renames, links and removes on one connection while another walks, opens, reads, writes and lists them).
 * Same oracles, with the quota's usage compared with a recount at the end only and no twins (another connection
 * may change a name between the two); the decision records are checked per connection.
 *
 * <p>By default seeds 800 to 811, {@value #DEFAULT_SCRIPTS} scripts per thread. {@code -Dp9gate.samevm.seeds=N},
 * {@code -Dp9gate.samevm.firstSeed=S}, {@code -Dp9gate.samevm.scripts=M}. Needs root.
 */
class SameVmRaceFuzzTest {
    private static final int DRIVERS = 3;
    private static final int DEFAULT_SCRIPTS = 150;
    private static final int SCRIPTS = Integer.getInteger("p9gate.samevm.scripts", DEFAULT_SCRIPTS);

    @TempDir
    Path tmp;

    static Stream<Long> seeds() {
        return HostileVm.seeds("samevm", 12, 800);
    }

    @ParameterizedTest
    @MethodSource("seeds")
    void oneVmRacingItselfNeverCrossesItsPolicy(long seed) throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "the hostile VM's files are chowned: needs root");
        List<String> problems = PolicyFuzzTest.oneSeed(tmp, seed, Dialect.L, SCRIPTS, DRIVERS);
        assertEquals(List.of(), problems, "seed " + seed);
    }
}
