package io.p9gate.gateway.compliance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.policy.PolicyEngine;
import io.p9gate.policy.model.VmPolicy;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code V/listener/connections} proves {@code limits.connections} only by a connection the gateway accepted and
 * then closed. A connection that could not be opened at all (no gateway listening, or this host out of
 * descriptors) was reported as the limit's refusal, PASSED; it proves nothing, and is skipped with its reason.
 */
class ConnectionBudgetProbeTest {
    @TempDir
    Path tmp;

    @Test
    void aConnectionThatCannotBeOpenedIsNotTheLimitsRefusal() throws Exception {
        Path share = Files.createDirectories(tmp.resolve("share"));
        Path socket = tmp.resolve("nobody-listens.sock");
        Path policy = tmp.resolve("policy.yaml");
        Files.writeString(policy, """
                image: probe
                vms:
                  vm1:
                    listen: unix:%s
                    limits: {connections: 3}
                    shares:
                      data: {path: %s, access: read-write}
                """.formatted(socket, share));
        VmPolicy vm = PolicyEngine.load(policy).policy().vms().get("vm1");
        CheckLog log = new CheckLog(new PrintWriter(new StringWriter()));

        new ListenerChecks(log, vm, new VmTransport.UnixSocket(socket)).connectionBudget(1);

        assertEquals(1, log.results().size());
        CheckResult result = log.results().getFirst();
        assertEquals(Status.SKIPPED, result.status(), result.seen());
        assertTrue(result.message().startsWith("not probed"), result.message());
    }
}
