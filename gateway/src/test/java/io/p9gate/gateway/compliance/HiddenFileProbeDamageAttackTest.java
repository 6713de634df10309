package io.p9gate.gateway.compliance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.fs.AccessRequest;
import io.p9gate.gateway.fs.Decision;
import io.p9gate.gateway.fs.Operation;
import io.p9gate.gateway.policyadapter.GatewayMutation;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The suite runs against deployed gateways: a broken one must not let its probes damage the share (docs/compliance.md,
 * "Safe on a live system"). A hidden name is one the gateway says is not there, so the probe that renames the suite's
 * own file onto it ({@code hidden[i]/rename-in-new}) found nothing there by its walk; where the hidden name is a
 * regular file and the gateway lets renames onto hidden names through, that rename replaced the file the VM may not
 * even see, and moving the suite's file back left nothing at the name.
 */
class HiddenFileProbeDamageAttackTest {
    @TempDir
    Path tmp;

    @Test
    void aGatewayLettingRenamesOntoAHiddenFileThroughLosesNothingOfIt() throws Exception {
        Path policy = ComplianceMutantsTest.policy(tmp);
        Path secret = tmp.resolve("data/secret");
        try (Stream<Path> tree = Files.walk(secret)) {
            tree.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
        Files.writeString(secret, "calibration: keep me");
        Files.setAttribute(secret, "unix:uid", 200000);
        Files.setAttribute(secret, "unix:gid", 200000);
        Predicate<AccessRequest> ontoSecret = r ->
                r.operation() == Operation.RENAME && Mutants.under(r.paths().getLast(), "/secret");
        AtomicInteger fired = new AtomicInteger();
        SuiteRun run = suite(policy, replacing("hidden: a rename onto the hidden name, replacing", ontoSecret), fired);
        assertTrue(Files.isRegularFile(secret), () -> "the hidden file is gone\n" + run.describe());
        assertEquals("calibration: keep me", Files.readString(secret), run::describe);
        assertTrue(fired.get() > 0, run::describe);
        assertEquals(SuiteReport.EXIT_FAILED, run.exitCode(), run::describe);
        assertTrue(
                run.lines("FAIL").stream().anyMatch(l -> l.contains("R-POL-4   vm1/data/hidden[0]/rename-in-new")),
                run::describe);
    }

    @Test
    void aGatewayLettingRenamesOntoARuleRefusedNameThroughLosesNothingOfIt() throws Exception {
        Path policy = ComplianceMutantsTest.policy(tmp);
        Path cfg = Files.createDirectories(tmp.resolve("data/cfg"));
        Path key = Files.writeString(cfg.resolve("key.bin"), "secret key: keep me");
        for (Path p : List.of(cfg, key)) {
            Files.setAttribute(p, "unix:uid", 200000);
            Files.setAttribute(p, "unix:gid", 200000);
        }
        Files.writeString(
                policy,
                Files.readString(policy)
                        .replace(
                                "rules:\n",
                                "rules:\n          - {id: no-list, effect: deny, ops: [READDIR], paths: [\"/cfg\"]}\n"
                                        + "          - {id: no-key, effect: deny, ops: [WALK, RENAME], paths:"
                                        + " [\"/cfg/key.bin\"]}\n"));
        Predicate<AccessRequest> ontoKey = r ->
                r.operation() == Operation.RENAME && Mutants.under(r.paths().getLast(), "/cfg/key.bin");
        SuiteRun run =
                suite(policy, replacing("deny rule: a rename onto the key, replacing", ontoKey), new AtomicInteger());
        assertTrue(Files.isRegularFile(key), () -> "the key is gone\n" + run.describe());
        assertEquals("secret key: keep me", Files.readString(key), run::describe);
    }

    /**
     * A gateway letting {@code which} renames through as able to replace their destination: the policy's check of the
     * destination missed, REMOVE there answered as the share's default does.
     */
    private static Mutants replacing(String name, Predicate<AccessRequest> which) {
        return new Mutants(
                name,
                count -> GatewayMutation.ofPolicy(policy -> new Mutants.Deciding(
                        policy,
                        which,
                        d -> new Decision(true, null, d.ruleIds(), d.policyDigest(), d.hostIds(), true),
                        count)));
    }

    private SuiteRun suite(Path policy, Mutants mutant, AtomicInteger fired) throws Exception {
        return SuiteRun.mutated(policy, tmp, mutant.build().apply(fired));
    }
}
