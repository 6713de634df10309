package io.p9gate.gateway.arch;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.methods;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.lang.ArchRule;
import io.p9gate.audit.arch.ModuleArchitecture;
import io.p9gate.gateway.fs.AccessPolicy;
import io.p9gate.gateway.fs.AccessRequest;
import io.p9gate.gateway.fs.FileHandle;
import io.p9gate.gateway.fs.GuardedFs;
import io.p9gate.gateway.fs.Subject;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The gateway's layers as build rules (docs/architecture.md): every request reaches the host filesystem through
 * the guarded layer ({@code fs}), which decides and records it; {@code wiring} only assembles it. No rule is
 * frozen: every one holds for the whole module.
 */
class GatewayArchitectureTest {
    private static final String ROOT = "io.p9gate.gateway";
    private static final JavaClasses MAIN = ModuleArchitecture.mainClasses(ROOT);

    static ArchRule operationsDoNotUseTheBackend(String root) {
        return noClasses()
                .that()
                .resideInAPackage(root + ".ops..")
                .should()
                .dependOnClassesThat()
                .resideInAPackage(root + ".backend..");
    }

    /** The second path to the host that the design rules out: only the guard uses the backend, wiring builds it. */
    static ArchRule onlyTheGuardReachesTheBackend(String root) {
        return noClasses()
                .that()
                .resideOutsideOfPackages(root + ".backend..", root + ".fs..", root + ".wiring..")
                .should()
                .dependOnClassesThat()
                .resideInAPackage(root + ".backend..");
    }

    /** The choke point as a structure: one class asks the policy about a guest request, and it also records it. */
    static ArchRule onlyTheChokePointAsksThePolicy(String root) {
        return noClasses()
                .that()
                .doNotHaveFullyQualifiedName(root + ".fs.ChokePoint")
                .should()
                .callMethod(AccessPolicy.class, "decide", AccessRequest.class);
    }

    /**
     * The choke point in one place: the guard's requests are served by the groups its sealed {@code
     * fs.GuardedRequests} permits, and only they hand a request to {@code fs.ChokePoint} (GuardedFs, the facade the
     * operations call, only delegates to them). A helper of the guard that called the choke point would serve a
     * request outside the groups that list every request.
     */
    static ArchRule onlyTheRequestGroupsUseTheChokePoint(String root) {
        String chokePoint = root + ".fs.ChokePoint";
        return noClasses()
                .that()
                .areNotAssignableTo(root + ".fs.GuardedRequests")
                .and()
                .haveNameNotMatching(Pattern.quote(chokePoint) + "(\\$.*)?")
                .should()
                .callMethodWhere(DescribedPredicate.describe(
                        "a method of " + chokePoint,
                        call -> call.getTargetOwner().getName().equals(chokePoint)));
    }

    /**
     * The runtime jar is the gateway and its CLI, nothing else: tools with programs of their own (the benchmark
     * load client, issue 12) live in modules that {@code p9gate package} does not ship.
     */
    static ArchRule theOnlyProgramIsTheCli(String root) {
        return methods()
                .that()
                .haveName("main")
                .and()
                .areStatic()
                .should()
                .beDeclaredInClassesThat()
                .resideInAPackage(root + ".cli..");
    }

    @Test
    void everyTestAsserts() {
        ModuleArchitecture.everyTestAsserts(ROOT).check(ModuleArchitecture.testClasses(ROOT));
    }

    @Test
    void packagesFormNoCycles() {
        ModuleArchitecture.packagesFormNoCycles(ROOT).check(MAIN);
    }

    /** Not frozen: the operations hold the guard's opaque handles ({@code fs.FileHandle}), no backend type. */
    @Test
    void operationsDoNotUseTheBackend() {
        operationsDoNotUseTheBackend(ROOT).check(MAIN);
    }

    /**
     * Not frozen: quotas key usage by the guard's {@code fs.FileIdentity}, and the host's credentials are asked
     * through {@code fs.HostProcess}, which the wiring answers.
     */
    @Test
    void onlyTheGuardReachesTheBackend() {
        onlyTheGuardReachesTheBackend(ROOT).check(MAIN);
    }

    @Test
    void onlyTheChokePointAsksThePolicy() {
        onlyTheChokePointAsksThePolicy(ROOT).check(MAIN);
    }

    @Test
    void onlyTheRequestGroupsUseTheChokePoint() {
        onlyTheRequestGroupsUseTheChokePoint(ROOT).check(MAIN);
    }

    /**
     * Whatever the operations ask the guard about a file names who asks: the choke point cannot decide or record a
     * request without its subject, so a question taking a handle and no subject reaches the host undecided
     * ({@code GuardedFs.name} did: the host's current name of the file, once a Tstat's and a Twstat's oracle, left
     * unused after 9117fd3c). {@code isShareRoot} compares the handle with its share's root and makes no system call.
     */
    @Test
    void theGuardAnswersNoQuestionAboutAFileWithoutItsAsker() {
        List<String> unasked = Arrays.stream(GuardedFs.class.getMethods())
                .filter(m -> m.getDeclaringClass() == GuardedFs.class && !Modifier.isStatic(m.getModifiers()))
                .filter(m -> List.of(m.getParameterTypes()).contains(FileHandle.class))
                .filter(m -> !List.of(m.getParameterTypes()).contains(Subject.class))
                .map(Method::getName)
                .sorted()
                .toList();
        assertEquals(List.of("isShareRoot"), unasked);
    }

    @Test
    void theOnlyProgramIsTheCli() {
        theOnlyProgramIsTheCli(ROOT).check(MAIN);
    }

    @Test
    void eachRuleFailsOnTheBadExample() {
        ModuleArchitecture.assertEachFailsOnTheBadExample(
                ROOT,
                List.of(
                        ModuleArchitecture::packagesFormNoCycles,
                        GatewayArchitectureTest::operationsDoNotUseTheBackend,
                        GatewayArchitectureTest::onlyTheGuardReachesTheBackend,
                        GatewayArchitectureTest::onlyTheChokePointAsksThePolicy,
                        GatewayArchitectureTest::onlyTheRequestGroupsUseTheChokePoint,
                        GatewayArchitectureTest::theOnlyProgramIsTheCli));
    }
}
