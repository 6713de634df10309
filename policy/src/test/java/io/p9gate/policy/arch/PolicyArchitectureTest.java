package io.p9gate.policy.arch;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.lang.ArchRule;
import io.p9gate.audit.arch.ModuleArchitecture;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The policy module's rules (docs/architecture.md): no package cycles, and no Netty (decisions do not know the
 * transport). Neither is frozen: the cycles through the root package that existed when the rule came in were broken
 * by moving the types every package shares into {@code io.p9gate.policy.terms}.
 */
class PolicyArchitectureTest {
    private static final String ROOT = "io.p9gate.policy";
    private static final JavaClasses MAIN = ModuleArchitecture.mainClasses(ROOT);

    static ArchRule usesNoNetty(String root) {
        return noClasses()
                .that()
                .resideInAPackage(root + "..")
                .should()
                .dependOnClassesThat()
                .resideInAPackage("io.netty..");
    }

    @Test
    void everyTestAsserts() {
        ModuleArchitecture.everyTestAsserts(ROOT).check(ModuleArchitecture.testClasses(ROOT));
    }

    @Test
    void packagesFormNoCycles() {
        ModuleArchitecture.packagesFormNoCycles(ROOT).check(MAIN);
    }

    @Test
    void usesNoNetty() {
        usesNoNetty(ROOT).check(MAIN);
    }

    @Test
    void eachRuleFailsOnTheBadExample() {
        ModuleArchitecture.assertEachFailsOnTheBadExample(
                ROOT, List.of(ModuleArchitecture::packagesFormNoCycles, PolicyArchitectureTest::usesNoNetty));
    }
}
