package io.p9gate.gateway.cli;

import io.p9gate.gateway.auditing.SignedAuditTrail;
import io.p9gate.gateway.fs.AuditTrail;
import io.p9gate.gateway.metrics.AuditMetrics;
import io.p9gate.gateway.metrics.LiveGauges;
import io.p9gate.gateway.metrics.MetricsAddress;
import io.p9gate.gateway.metrics.MetricsEndpoint;
import io.p9gate.gateway.metrics.RequestLatency;
import io.p9gate.gateway.server.Gateway;
import io.p9gate.gateway.server.GatewayConfig;
import io.p9gate.gateway.wiring.ShareServerFactory;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.Map;
import java.util.function.Supplier;

/** {@code serve --metrics}: the endpoint that serves what the audit log records and what the gateway holds now. */
final class ServeMetrics {
    private ServeMetrics() {}

    /**
     * Counts every audit record from now on, times requests and audit fsyncs, reads connections, fids, budgets and
     * quotas at each scrape, and serves it all; a failure to bind stops the start. {@code running} is the gateway
     * once its listeners are bound, null before.
     */
    static MetricsEndpoint start(
            MetricsAddress address,
            AuditTrail trail,
            GatewayConfig config,
            ServeMode served,
            Supplier<Gateway> running,
            PrintWriter out)
            throws IOException {
        AuditMetrics counted = new AuditMetrics();
        // ServeCommand.metricsAddress() made sure the trail is the signed log
        SignedAuditTrail signed = (SignedAuditTrail) trail;
        signed.observe(counted);
        signed.log().observeSyncs(counted);
        if (config.handlers() instanceof ShareServerFactory sessions) { // every mode's factory (the tests' too)
            sessions.observeRequests(new RequestLatency(counted.registry()));
        }
        LiveGauges.register(counted.registry(), config.budgets(), served.quotaScopes());
        LiveGauges.crls(counted.registry(), served.crlNextUpdates());
        LiveGauges.socketFiles(counted.registry(), () -> {
            Gateway gateway = running.get(); // the endpoint is bound before the listeners
            return gateway == null ? Map.of() : gateway.socketFilesLost();
        });
        MetricsEndpoint endpoint = MetricsEndpoint.start(address, counted.registry());
        out.println("p9gate: metrics on " + address.describe() + "/metrics");
        out.flush();
        return endpoint;
    }

    /** The metrics stop with the gateway; a failure to remove the socket is only reported. */
    static void close(MetricsEndpoint endpoint, PrintWriter err) {
        if (endpoint != null) {
            try {
                endpoint.close();
            } catch (IOException e) {
                err.println("p9gate: metrics: " + e.getMessage());
                err.flush();
            }
        }
    }
}
