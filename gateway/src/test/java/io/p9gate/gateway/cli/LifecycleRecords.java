package io.p9gate.gateway.cli;

import io.p9gate.gateway.fs.AuditEntry;
import io.p9gate.gateway.fs.AuditTrail;
import io.p9gate.gateway.fs.GatewayEvent;
import io.p9gate.gateway.policyadapter.PolicyReloader;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** The records a gateway writes (policy reloads, session ends, decisions), kept for a test to look at. */
final class LifecycleRecords implements AuditTrail {
    final List<GatewayEvent> events = new CopyOnWriteArrayList<>();
    final List<AuditEntry> decisions = new CopyOnWriteArrayList<>();

    /** Records every reload of {@code reloader} here, as {@code serve} does into its audit log. */
    static LifecycleRecords of(PolicyReloader reloader) {
        LifecycleRecords records = new LifecycleRecords();
        PolicyServe.recordReloads(records, reloader, new PrintWriter(new StringWriter()));
        return records;
    }

    @Override
    public long record(AuditEntry entry) {
        decisions.add(entry);
        return NO_SEQ;
    }

    @Override
    public void lifecycle(GatewayEvent event) {
        events.add(event);
    }

    /** The digest of each policy (re)load record, in order. */
    List<String> digests() {
        return events.stream()
                .filter(e -> e instanceof GatewayEvent.PolicyLoaded)
                .map(e -> ((GatewayEvent.PolicyLoaded) e).policyDigest())
                .toList();
    }

    /** Whether a session of {@code vm} was recorded closed. */
    boolean sessionClosed(String vm) {
        return events.stream().anyMatch(e -> e instanceof GatewayEvent.SessionClosed c && c.vm().equals(vm));
    }
}
