package io.p9gate.policy.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/** CI gate over policies/: every sample passes {@code policy check} and its {@code policy test} file (R-POL-8). */
class SamplePoliciesTest {

    private static final Path SAMPLES = Path.of("..", "policies");

    @TestFactory
    Stream<DynamicTest> everySampleChecksAndPassesItsTests() throws IOException {
        List<Path> policies;
        try (Stream<Path> s = Files.list(SAMPLES)) {
            policies = s.filter(
                            p -> p.toString().endsWith(".yaml") && !p.toString().endsWith(".tests.yaml"))
                    .sorted()
                    .toList();
        }
        assertTrue(policies.size() >= 4, "expected the four ECU image samples, found " + policies);
        return policies.stream().flatMap(policy -> {
            Path tests = policy.resolveSibling(policy.getFileName().toString().replace(".yaml", ".tests.yaml"));
            return Stream.of(
                    DynamicTest.dynamicTest("check " + policy.getFileName(), () -> {
                        CliRun r = CliRun.of("check", policy.toString());
                        assertEquals(0, r.exit(), r.err() + r.out());
                        assertTrue(r.out().contains(": ok: "), r.out());
                        // the only warnings allowed in samples: share directories absent on the build host, and
                        // in the demo's policy (served by `p9gate demo` from a scratch copy, never packaged) its
                        // /var/tmp placeholder paths, which the packaged unit's PrivateTmp=yes would hide
                        boolean demo = policy.getFileName().toString().equals("demo.yaml");
                        r.out()
                                .lines()
                                .filter(l -> l.contains("warning:"))
                                .forEach(l -> assertTrue(
                                        l.contains("does not exist on this host")
                                                || demo && l.contains("PrivateTmp=yes"),
                                        l));
                    }),
                    DynamicTest.dynamicTest("test " + tests.getFileName(), () -> {
                        assertTrue(Files.exists(tests), "every sample needs its tests file: " + tests);
                        CliRun r = CliRun.of("test", tests.toString());
                        assertEquals(0, r.exit(), r.err() + r.out());
                        assertTrue(r.out().contains(" 0 failed"), r.out());
                        assertFalse(r.out().contains("cases, 0 passed"), r.out());
                    }));
        });
    }
}
