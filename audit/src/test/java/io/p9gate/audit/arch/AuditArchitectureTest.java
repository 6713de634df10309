package io.p9gate.audit.arch;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.lang.ArchRule;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The audit module's rules (docs/architecture.md): no package cycles, and no Netty or Cedar, so that the log and
 * its verifier can be used and reviewed without the gateway. Nothing is frozen here: the module has no violation.
 */
class AuditArchitectureTest {
    private static final String ROOT = "io.p9gate.audit";
    private static final JavaClasses MAIN = ModuleArchitecture.mainClasses(ROOT);

    static ArchRule usesNeitherNettyNorCedar(String root) {
        return noClasses()
                .that()
                .resideInAPackage(root + "..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage("io.netty..", "com.cedarpolicy..");
    }

    @Test
    void packagesFormNoCycles() {
        ModuleArchitecture.packagesFormNoCycles(ROOT).check(MAIN);
    }

    @Test
    void usesNeitherNettyNorCedar() {
        usesNeitherNettyNorCedar(ROOT).check(MAIN);
    }

    @Test
    void eachRuleFailsOnTheBadExample() {
        ModuleArchitecture.assertEachFailsOnTheBadExample(
                ROOT,
                List.of(
                        ModuleArchitecture::packagesFormNoCycles,
                        AuditArchitectureTest::usesNeitherNettyNorCedar,
                        ModuleArchitecture::everyTestAsserts));
    }

    @Test
    void everyTestAsserts() {
        ModuleArchitecture.everyTestAsserts(ROOT).check(ModuleArchitecture.testClasses(ROOT));
    }

    /** Exactly the example's tests that assert nothing are named: through a helper and in a lambda is asserting. */
    @Test
    void everyTestAssertsNamesTheTestsThatDoNot() {
        String example = ROOT + ".arch.example.tests";
        List<String> named = ModuleArchitecture.everyTestAsserts(example)
                .evaluate(new ClassFileImporter().importPackages(example))
                .getFailureReport()
                .getDetails();
        assertEquals(
                List.of(
                        example + ".AssertsNothingTest.assertsNothing() asserts nothing",
                        example + ".AssertsNothingTest.callsOnlyAHelperThatAssertsNothing() asserts nothing"),
                named.stream().sorted().toList());
    }
}
