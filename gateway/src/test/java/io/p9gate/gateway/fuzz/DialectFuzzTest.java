package io.p9gate.gateway.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.p9gate.policy.dialect.Dialect;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link PolicyFuzzTest}'s hostile VM speaking 9P2000.u and 9P2000 (its Tversion asks for them, which its policy
 * allows): every 9P2000.L request of {@link HostileSequence} that has a counterpart in the dialect is asked its way
 * ({@link LegacyRequests}: Topen, Tcreate of files, directories and .u's special files and links, Tstat, Twstat, reads
 * of directories as packed stat entries), against the same rules and with the same oracles, including the
 * packed entries' qids and a Tstat's name and symlink target.
 *
 * <p>By default seeds 700 to 707 in each dialect, {@value #DEFAULT_SCRIPTS} scripts each. {@code
 * -Dp9gate.dialectfuzz.seeds=N}, {@code -Dp9gate.dialectfuzz.firstSeed=S}, {@code -Dp9gate.dialectfuzz.scripts=M}.
 * Needs root.
 */
class DialectFuzzTest {
    private static final int DEFAULT_SCRIPTS = 300;
    private static final int SCRIPTS = Integer.getInteger("p9gate.dialectfuzz.scripts", DEFAULT_SCRIPTS);

    @TempDir
    Path tmp;

    static Stream<Arguments> seeds() {
        return Stream.of(Dialect.U, Dialect.LEGACY)
                .flatMap(d -> HostileVm.seeds("dialectfuzz", 8, 700).map(s -> Arguments.of(d, s)));
    }

    @ParameterizedTest
    @MethodSource("seeds")
    void aHostileVmOfAnotherDialectNeverCrossesItsPolicy(Dialect dialect, long seed) throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "the hostile VM's files are chowned: needs root");
        List<String> problems = PolicyFuzzTest.oneSeed(tmp, seed, dialect, SCRIPTS);
        assertEquals(List.of(), problems, dialect.version() + " seed " + seed);
    }
}
