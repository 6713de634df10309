package io.p9gate.audit.arch;

import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import java.util.List;
import java.util.function.Function;

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
}
