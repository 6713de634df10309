package io.p9gate.gateway.compliance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.fs.AccessRequest;
import io.p9gate.gateway.fs.Decision;
import io.p9gate.gateway.fs.Operation;
import io.p9gate.gateway.policyadapter.GatewayMutation;
import io.p9gate.gateway.policyadapter.MutantGateway;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
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
        // Its decision lets the rename replace what the name holds: the hidden check missed for the destination
        // answers REMOVE there as the share's default does.
        Predicate<AccessRequest> ontoSecret = r ->
                r.operation() == Operation.RENAME && Mutants.under(r.paths().getLast(), "/secret");
        Mutants mutant = new Mutants(
                "hidden: a rename onto the hidden name, replacing",
                count -> GatewayMutation.ofPolicy(policyOf -> new Mutants.Deciding(
                        policyOf,
                        ontoSecret,
                        d -> new Decision(true, null, d.ruleIds(), d.policyDigest(), d.hostIds(), true),
                        count)));
        AtomicInteger fired = new AtomicInteger();
        SuiteRun run;
        try (MutantGateway gateway = MutantGateway.serve(
                policy,
                Files.createDirectories(tmp.resolve("gw")),
                mutant.build().apply(fired))) {
            run = SuiteRun.of(
                    "compliance",
                    "run",
                    "--policy",
                    policy.toString(),
                    "--audit-log",
                    gateway.auditDir.toString(),
                    "--audit-pub",
                    gateway.publicKey.toString(),
                    "--audit-wait",
                    "3");
        }
        assertTrue(Files.isRegularFile(secret), () -> "the hidden file is gone\n" + run.describe());
        assertEquals("calibration: keep me", Files.readString(secret), run::describe);
        assertTrue(fired.get() > 0, run::describe);
        assertEquals(SuiteReport.EXIT_FAILED, run.exitCode(), run::describe);
        assertTrue(
                run.lines("FAIL").stream().anyMatch(l -> l.contains("R-POL-4   vm1/data/hidden[0]/rename-in-new")),
                run::describe);
    }
}
