package io.p9gate.gateway.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.p9gate.gateway.adversarial.ChokePointGateway.Mode;
import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.fs.AuditEntry;
import io.p9gate.gateway.fs.GatewayEvent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 8 item 7 (records half), issue 12 item 1: with {@code serve --policy} (and {@code demo}) a VM's sessions
 * came and went without a {@code session_attach}/{@code session_close} record, because the policy mode's session
 * factory did not wrap sessions the way the no-policy one did. Both modes must leave the same session records,
 * naming the same VM as the session's decision records.
 */
class UnrecordedSessionAttackTest {
    @TempDir
    Path tmp;

    /** What one mode recorded for one session: the lifecycle events, reduced to their kinds and VM. */
    private record SessionTrace(List<String> events, String decisionVm) {}

    private SessionTrace run(Mode mode) throws Exception {
        ChokePointGateway gw = ChokePointGateway.start(Files.createDirectories(tmp.resolve(mode.name())), mode);
        try (gw) {
            try (P9Client alpha = gw.alpha()) {
                alpha.attach(0, "u", "data", 0);
                alpha.walk(0, 1, "f");
                alpha.clunk(1);
            }
        } // closing the gateway closes the session and waits for it
        List<AuditEntry> decisions = gw.trail.decisions;
        assertFalse(decisions.isEmpty(), mode + ": the session's requests are recorded");
        String vm = decisions.getFirst().request().vm();
        long session = decisions.getFirst().request().sessionId();
        List<String> events = new ArrayList<>();
        for (GatewayEvent e : gw.trail.events) {
            switch (e) {
                case GatewayEvent.SessionOpened o -> {
                    assertEquals(vm, o.vm(), mode + ": the attach record names the session's VM");
                    assertEquals(session, o.session(), mode.name());
                    events.add("session_attach");
                }
                case GatewayEvent.SessionClosed c -> {
                    assertEquals(vm, c.vm(), mode + ": the close record names the session's VM");
                    assertEquals(session, c.session(), mode.name());
                    events.add("session_close");
                }
                case GatewayEvent.Started s -> events.add("start");
                case GatewayEvent.PolicyLoaded p -> events.add("policy_load");
            }
        }
        return new SessionTrace(events, vm);
    }

    @Test
    void policyModeAndNoPolicyModeRecordEverySessionAlike() throws Exception {
        SessionTrace open = run(Mode.NO_POLICY);
        SessionTrace policed = run(Mode.POLICY);
        assertEquals(List.of("session_attach", "session_close"), open.events(), "without a policy");
        assertEquals(open.events(), policed.events(), "under a policy: the same session records");
        assertEquals("alpha", policed.decisionVm(), "under a policy the VM is the policy's VM id");
    }
}
