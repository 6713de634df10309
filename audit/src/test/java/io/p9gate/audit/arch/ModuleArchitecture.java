package io.p9gate.audit.arch;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.methods;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.AccessTarget;
import com.tngtech.archunit.core.domain.JavaAccess;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaCodeUnit;
import com.tngtech.archunit.core.domain.JavaMethod;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.SimpleConditionEvent;
import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.List;
import java.util.Queue;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * What every module's architecture test shares (docs/architecture.md). A module's rules take its root package, so
 * that the same rule can be applied to the module's main classes and to a bad example under
 * {@code <root>.arch.example} in its test sources, which shows that the rule can fail.
 */
public final class ModuleArchitecture {
    private ModuleArchitecture() {}

    /** The module's production classes (tests and bad examples left out). */
    public static JavaClasses mainClasses(String root) {
        return new ClassFileImporter()
                .withImportOption(new ImportOption.DoNotIncludeTests())
                .importPackages(root);
    }

    /** Every package is a slice, the root's own classes included (a pattern below the root would leave them out). */
    public static ArchRule packagesFormNoCycles(String root) {
        return slices().matching(root.substring(0, root.lastIndexOf('.')) + ".(**)")
                .should()
                .beFreeOfCycles();
    }

    /** Fails unless each rule, given the bad example's root package, finds a violation in the bad example. */
    public static void assertEachFailsOnTheBadExample(String root, List<Function<String, ArchRule>> rules) {
        String example = root + ".arch.example";
        JavaClasses classes = new ClassFileImporter().importPackages(example);
        for (Function<String, ArchRule> rule : rules) {
            ArchRule applied = rule.apply(example);
            assertTrue(applied.evaluate(classes).hasViolation(), "no violation of: " + applied.getDescription());
        }
    }

    /**
     * The module's test classes, its bad examples left out, with the test code shared through this module's test jar
     * (which its tests may call for their assertions).
     */
    public static JavaClasses testClasses(String root) {
        String examples = "/" + root.replace('.', '/') + "/arch/example/";
        return new ClassFileImporter()
                .withImportOption(location -> isTestCode(location.asURI().toString()) && !location.contains(examples))
                .importPackages(root, ModuleArchitecture.class.getPackageName().replaceFirst("\\.arch$", ""));
    }

    /** The classes the build runs as tests (Surefire's and Failsafe's default names); measurements are not. */
    private static final Pattern RUN_AS_TESTS = Pattern.compile("Test.*|.*Test|.*Tests|.*TestCase|.*IT");

    /** What a test is annotated with. */
    private static final List<String> TEST_ANNOTATIONS = List.of(
            "org.junit.jupiter.api.Test",
            "org.junit.jupiter.params.ParameterizedTest",
            "org.junit.jupiter.api.RepeatedTest");

    /** What can fail a test: JUnit's assertions, an ArchUnit rule's check, an AssertionError made. */
    private static final List<String> FAILING = List.of(
            "org.junit.jupiter.api.Assertions",
            "com.tngtech.archunit.lang.ArchRule",
            "java.lang.AssertionError",
            "org.opentest4j.AssertionFailedError");

    /**
     * Every test can fail: each test method of a class the build runs calls an assertion, itself or through the test
     * code it calls (followed call by call, lambdas included, also into another module's test jar). A test that only
     * shows that something does not throw says so with {@code assertDoesNotThrow}.
     */
    public static ArchRule everyTestAsserts(String root) {
        return methods()
                .that(DescribedPredicate.describe(
                        "are tests of a class the build runs",
                        m -> TEST_ANNOTATIONS.stream().anyMatch(m::isAnnotatedWith) && runAsTests(m.getOwner())))
                .and()
                .areDeclaredInClassesThat()
                .resideInAPackage(root + "..")
                .should(
                        new ArchCondition<JavaMethod>(
                                "call an assertion, directly or through the test code they call") {
                            @Override
                            public void check(JavaMethod test, ConditionEvents events) {
                                events.add(new SimpleConditionEvent(
                                        test, reachesAnAssertion(test), test.getFullName() + " asserts nothing"));
                            }
                        });
    }

    private static boolean runAsTests(JavaClass owner) {
        JavaClass top = owner;
        while (top.getEnclosingClass().isPresent()) {
            top = top.getEnclosingClass().get();
        }
        return RUN_AS_TESTS.matcher(top.getSimpleName()).matches();
    }

    private static boolean reachesAnAssertion(JavaCodeUnit test) {
        Set<JavaCodeUnit> seen = new HashSet<>();
        Queue<JavaCodeUnit> next = new ArrayDeque<>(List.of(test));
        while (!next.isEmpty()) {
            JavaCodeUnit unit = next.poll();
            if (!seen.add(unit)) {
                continue;
            }
            for (JavaAccess<?> access : unit.getAccessesFromSelf()) {
                if (!(access.getTarget() instanceof AccessTarget.CodeUnitAccessTarget target)) {
                    continue;
                }
                if (FAILING.contains(target.getOwner().getName())) {
                    return true;
                }
                target.resolveMember().filter(c -> isTestCode(c.getOwner())).ifPresent(next::add);
            }
        }
        return false;
    }

    private static boolean isTestCode(JavaClass owner) {
        return owner.getSource()
                .map(source -> isTestCode(source.getUri().toString()))
                .orElse(false);
    }

    private static boolean isTestCode(String uri) {
        return uri.contains("/test-classes/") || uri.contains("-tests.jar!");
    }
}
