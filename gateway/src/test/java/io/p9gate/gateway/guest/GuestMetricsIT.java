package io.p9gate.gateway.guest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.audit.read.AuditRecord;
import io.p9gate.gateway.auditing.SignedAuditTrail;
import io.p9gate.gateway.auditing.SignedLogs;
import io.p9gate.gateway.fs.AllowAll;
import io.p9gate.gateway.fs.GatewayEvent;
import io.p9gate.gateway.metrics.AuditMetrics;
import io.p9gate.gateway.metrics.MetricSamples;
import io.p9gate.gateway.metrics.MetricsAddress;
import io.p9gate.gateway.metrics.MetricsEndpoint;
import io.p9gate.gateway.metrics.MetricsScrape;
import io.p9gate.gateway.server.Gateway;
import io.p9gate.gateway.server.GatewayConfig;
import io.p9gate.gateway.server.ListenSpec;
import io.p9gate.gateway.wiring.ShareServerFactory;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 9's acceptance for the metrics: while the Linux kernel client works on a share, the endpoint is scraped
 * and parsed; once the log is closed, every request counter equals what the signed log's records count.
 */
class GuestMetricsIT {

    @Test
    void theScrapedCountersAreTheAuditLogsCounts(@TempDir Path temp) throws Exception {
        GuestHarness harness = GuestHarness.locate();
        Path share = PosixScript.traversableDir(temp.resolve("share"));
        SignedLogs logs = SignedLogs.in(temp);
        AuditMetrics metrics = new AuditMetrics();
        MetricsAddress address = new MetricsAddress.Unix(temp.resolve("metrics.sock"));
        List<MetricSamples> duringTheRun = new CopyOnWriteArrayList<>();
        GuestResult result;
        try (MetricsEndpoint _ = MetricsEndpoint.start(address, metrics.registry())) {
            try (SignedAuditTrail trail = logs.open();
                    ShareServerFactory factory = new ShareServerFactory(Map.of("test", share), new AllowAll(), trail)) {
                trail.observe(metrics);
                trail.lifecycle(new GatewayEvent.Started("sha256:guest-test", null));
                GatewayConfig config = new GatewayConfig(
                        List.of(ListenSpec.parse("tcp:127.0.0.1:0")), factory, GatewayConfig.DEFAULT_MSIZE, 4);
                try (Gateway gateway = Gateway.start(config)) {
                    Thread scraper =
                            Thread.ofPlatform().daemon().start(() -> scrapeUntilInterrupted(address, duringTheRun));
                    try {
                        result = harness.run(
                                "p9gate-metrics-ops",
                                gateway,
                                GuestRun.script(RepoPaths.guestScripts().resolve("audit-ops.sh"))
                                        .withAname("test"));
                    } finally {
                        scraper.interrupt();
                        scraper.join();
                    }
                }
            } // closing the trail writes the pending refusal summaries: the metrics count them too
            assertEquals(List.of(), result.failed(), result::describe);
            assertTrue(
                    duringTheRun.stream().anyMatch(m -> m.sum("p9gate_requests_total") > 0),
                    "a scrape during the guest run saw its requests (" + duringTheRun.size() + " scrapes)");
            MetricSamples after = MetricsScrape.from(address);
            List<AuditRecord> records = logs.records();

            Map<List<String>, Long> inLog = new HashMap<>();
            long decisionRecords = 0;
            long readBytes = 0;
            for (AuditRecord r : records) {
                if (!r.isDecision()) {
                    continue;
                }
                decisionRecords++;
                if (r.detail().contains("phase=outcome")) { // its intent was the request
                    continue;
                }
                inLog.merge(List.of(r.vm(), r.op(), r.decision()), r.requests(), Long::sum);
                if ("read".equals(r.op()) && r.bytes() != null) {
                    readBytes += r.bytes();
                }
            }
            assertTrue(inLog.size() > 5, "the guest did many kinds of requests: " + inLog);
            inLog.forEach((key, count) -> assertEquals(
                    count.doubleValue(),
                    after.sum(
                            "p9gate_requests_total",
                            Map.of("vm", key.get(0), "op", key.get(1), "decision", key.get(2))),
                    "requests " + key));
            assertEquals(
                    inLog.values().stream().mapToLong(Long::longValue).sum(),
                    (long) after.sum("p9gate_requests_total"),
                    "no request the log does not have");
            assertEquals(decisionRecords, (long) after.sum("p9gate_audit_records_total", Map.of("kind", "decision")));
            assertEquals(readBytes, (long) after.sum("p9gate_read_bytes_total"));
            assertEquals(0.0, after.sum("p9gate_sessions"), "the guest's session closed");
        }
    }

    /** Scrapes as a collector would, until the guest run is over. */
    private static void scrapeUntilInterrupted(MetricsAddress address, List<MetricSamples> into) {
        while (!Thread.currentThread().isInterrupted()) {
            try {
                into.add(MetricsScrape.from(address));
                Thread.sleep(200);
            } catch (java.nio.channels.ClosedByInterruptException | InterruptedException e) {
                return; // the run is over
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
    }
}
