package io.p9gate.gateway.compliance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.fs.AccessRequest;
import io.p9gate.gateway.fs.Operation;
import io.p9gate.gateway.policyadapter.GatewayMutation;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The suite runs against live shares (docs/compliance.md, "Safe on a live system"). {@code rule/…/rename-in-new}
 * renames the suite's file onto a name a rule's glob matches after a walk showed nothing there; Trenameat has no
 * RENAME_NOREPLACE, so a production process creating that name between the walk and the rename loses its file. Here
 * the process creates it exactly then (as the gateway receives the rename), on a faithful gateway: the rule's name
 * is a literal one ({@code /cache/app.conf}) that the application, not the suite, would create.
 */
class RenameIntoProductionNameComplianceTest {
    private static final String CONTENT = "written by the application between the suite's walk and its rename";

    @TempDir
    Path tmp;

    @Test
    void aFileCreatedUnderARulesLiteralNameDuringTheProbeIsKept() throws Exception {
        Path policy = ComplianceMutantsTest.policy(tmp);
        Files.writeString(
                policy,
                Files.readString(policy)
                        .replace(
                                "rules:\n",
                                "rules:\n          - {id: conf-renames, effect: allow, ops: [RENAME], paths:"
                                        + " [\"/cache/app.conf\"]}\n"));
        Path conf = tmp.resolve("data/cache/app.conf");
        AtomicInteger created = new AtomicInteger();
        SuiteRun run = SuiteRun.mutated(policy, tmp, applicationCreates(conf, created));
        assertTrue(created.get() > 0, () -> "no rename onto the name was probed\n" + run.describe());
        assertTrue(Files.isRegularFile(conf), () -> "the application's file is gone\n" + run.describe());
        assertEquals(CONTENT, Files.readString(conf), run::describe);
        assertTrue(run.out().contains("pass R-POL-2   vm1/data/rule/rules.conf-renames/rename-in-new"), run::describe);
        // The application's new file is a change the suite saw happen: its share's "unchanged" check says so.
        assertEquals(
                List.of(),
                run.lines("FAIL").stream()
                        .filter(l -> !l.contains("vm1/data/unchanged"))
                        .toList(),
                run::describe);
    }

    /**
     * The faithful gateway, with the application creating {@code conf} (owned by the mapped host ids) when the first
     * rename onto it is decided, before the gateway performs it.
     */
    private static GatewayMutation applicationCreates(Path conf, AtomicInteger created) {
        return GatewayMutation.ofPolicy(policy -> new Mutants.Deciding(
                policy,
                (AccessRequest r) -> {
                    if (r.operation() == Operation.RENAME
                            && Mutants.under(r.paths().getLast(), "/cache/app.conf")
                            && created.getAndIncrement() == 0) {
                        create(conf);
                    }
                    return false;
                },
                d -> d,
                new AtomicInteger()));
    }

    private static void create(Path conf) {
        try {
            Files.writeString(conf, CONTENT);
            Files.setAttribute(conf, "unix:uid", 200000);
            Files.setAttribute(conf, "unix:gid", 200000);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
