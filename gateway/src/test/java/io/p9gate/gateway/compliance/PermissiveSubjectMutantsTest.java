package io.p9gate.gateway.compliance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.fs.AccessRequest;
import io.p9gate.gateway.fs.Operation;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A check that no broken gateway fails is a check that cannot fail. Per subject of {@link ComplianceMutantsTest}'s
 * policy (a read-only subtree, a hidden one, a deny rule, a read-only share), one mutant lets through every request
 * the policy refuses there and nothing else; then every check of that subject must fail, not one of them
 * ({@link ComplianceMutantsTest} asks for one: 26 read-only checks stood for the 52 there are, and one that passes
 * whatever the gateway decides went unseen). One suite run per subject, so the whole enumeration costs what four
 * mutants of ComplianceMutantsTest cost.
 */
class PermissiveSubjectMutantsTest {
    @TempDir
    Path tmp;

    static Stream<Object[]> subjects() {
        return Stream.of(
                subject(
                        "read-only /ro: every request under it allowed",
                        r -> r.paths().stream().anyMatch(p -> Mutants.under(p, "/ro")),
                        "vm1/data/read-only[0]/"),
                new Object[] {
                    // Listing is the hidden rule's too: not-listed asks readdir of /, not a request under /secret.
                    Mutants.allowsAndLists(
                            "hidden /secret: every request under it allowed, and listed",
                            r -> r.paths().stream().anyMatch(p -> Mutants.under(p, "/secret"))),
                    "vm1/data/hidden[0]/",
                    List.of()
                },
                subject(
                        "deny rule no-scripts: every request on *.sh allowed",
                        r -> r.paths().stream().anyMatch(p -> p.endsWith(".sh")),
                        "vm1/data/rule/rules.no-scripts/"),
                new Object[] {
                    Mutants.quotas("quota /q: nothing counted", r -> true, s -> Mutants.uncounted(s, true, true)),
                    "vm1/data/quota[0]/",
                    // Subjects of their own, each failed by a mutant of ComplianceMutantsTest: the scratch directory
                    // made in the scope (mkdir failing with EIO), Tstatfs's figures (the host's shown).
                    List.of("mkdir-scratch", "statfs")
                },
                subject(
                        "access: read-only share media: every request allowed",
                        r -> r.share().equals("media") && r.operation() != Operation.ATTACH,
                        "vm1/media/access-read-only/"));
    }

    private static Object[] subject(String name, Predicate<AccessRequest> which, String checks) {
        return new Object[] {Mutants.allows(name, which), checks, List.of()};
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("subjects")
    void everyCheckOfAPermissiveSubjectFails(Mutants mutant, String checks, List<String> otherSubjects)
            throws Exception {
        AtomicInteger fired = new AtomicInteger();
        SuiteRun run = SuiteRun.mutated(
                ComplianceMutantsTest.policy(tmp), tmp, mutant.build().apply(fired));
        List<String> failed = lines(run, "FAIL", checks);
        List<String> passed = lines(run, "pass", checks);
        List<String> skipped = lines(run, "skip", checks);
        System.out.println("mutant " + mutant.name() + ": changed " + fired.get() + " decisions, " + failed.size()
                + " FAIL, " + passed.size() + " pass, " + skipped.size() + " skip of " + checks + "*"
                + (passed.isEmpty() ? "" : ": passed " + String.join(" | ", passed))
                + (skipped.isEmpty() ? "" : "; skipped " + String.join(" | ", skipped)));
        assertTrue(fired.get() > 0, "the mutant never changed anything: " + mutant.name());
        assertTrue(failed.size() > 1, run::describe);
        // A check skipped for a failed one of the subject ("see bytes-over") is fine; a pass is not, but for the
        // checks of other subjects named.
        assertEquals(
                List.of(),
                passed.stream()
                        .filter(l -> otherSubjects.stream().noneMatch(o -> l.contains(" " + checks + o + ":")))
                        .toList(),
                run::describe);
    }

    /** The console lines of checks under {@code checks} with status word {@code status}. */
    private static List<String> lines(SuiteRun run, String status, String checks) {
        return run.lines(status).stream().filter(l -> l.contains(" " + checks)).toList();
    }
}
