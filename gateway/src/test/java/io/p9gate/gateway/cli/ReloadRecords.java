package io.p9gate.gateway.cli;

import io.p9gate.gateway.fs.AuditEntry;
import io.p9gate.gateway.fs.AuditTrail;
import io.p9gate.gateway.fs.GatewayEvent;
import io.p9gate.gateway.policyadapter.PolicyReloader;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** The policy (re)load records a reloader's audit listener writes, as {@code serve} registers it. */
final class ReloadRecords implements AuditTrail {
    final List<GatewayEvent.PolicyLoaded> loaded = new CopyOnWriteArrayList<>();

    /** Records every reload of {@code reloader} here, as {@code serve} does into its audit log. */
    static ReloadRecords of(PolicyReloader reloader) {
        ReloadRecords records = new ReloadRecords();
        reloader.onReload(result -> PolicyServe.recordReload(records, result, new PrintWriter(new StringWriter())));
        return records;
    }

    @Override
    public long record(AuditEntry entry) {
        return NO_SEQ;
    }

    @Override
    public void lifecycle(GatewayEvent event) {
        if (event instanceof GatewayEvent.PolicyLoaded p) {
            loaded.add(p);
        }
    }

    List<String> digests() {
        return loaded.stream().map(GatewayEvent.PolicyLoaded::policyDigest).toList();
    }
}
