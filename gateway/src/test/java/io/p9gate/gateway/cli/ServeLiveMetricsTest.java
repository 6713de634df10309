package io.p9gate.gateway.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.auditing.SignedLogs;
import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.metrics.MetricSamples;
import io.p9gate.gateway.metrics.MetricsAddress;
import io.p9gate.gateway.metrics.MetricsScrape;
import java.net.UnixDomainSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The metrics measured live rather than counted from audit records (issue 9 item 6): request latency by VM and
 * operation, connections, open fids, budget limits, quota use and limit, audit fsyncs. A real serve --policy
 * --metrics; the client makes known requests and holds known fids, and each metric is compared with them.
 */
class ServeLiveMetricsTest {
    private static final int OPEN = 0;
    private static final int O_WRONLY = 1;

    @TempDir
    Path dir;

    @Test
    void eachLiveMetricMatchesTheKnownRequestsFidsConnectionsAndQuota() throws Exception {
        SignedLogs logs = SignedLogs.in(dir);
        Path share = Files.createDirectories(dir.resolve("share"));
        Files.writeString(share.resolve("f"), "hello");
        Path vmSocket = dir.resolve("vm.sock");
        Path metricsSocket = dir.resolve("metrics.sock");
        Path policy = Files.writeString(dir.resolve("policy.yaml"), """
                image: t
                vms:
                  v:
                    listen: unix:%s
                    limits: {connections: 4, fids: 50}
                    shares:
                      s:
                        path: %s
                        access: read-write
                        quotas:
                          - {bytes: 1MiB, inodes: 100}
                """.formatted(vmSocket, share));
        MetricsAddress metrics = new MetricsAddress.Unix(metricsSocket);
        try (ServeProcess serve = ServeProcess.start(
                Map.of(),
                "serve",
                "--policy",
                policy.toString(),
                "--audit-dir",
                logs.dir.toString(),
                "--audit-key",
                logs.privateKey.toString(),
                "--metrics",
                "unix:" + metricsSocket)) {
            serve.awaitStdout("SIGHUP reloads it");
            try (P9Client first = P9Client.open(UnixDomainSocketAddress.of(vmSocket), 65536);
                    P9Client second = P9Client.open(UnixDomainSocketAddress.of(vmSocket), 65536)) {
                first.attach(0, "root", "s", 0);
                first.walk(0, 1, "f");
                first.lopen(1, OPEN);
                assertEquals("hello", new String(first.read(1, 0, 100), StandardCharsets.UTF_8));
                first.walk(0, 2);
                first.lcreate(2, "g", O_WRONLY, 0644, 0);
                first.write(2, 0, "abc".getBytes(StandardCharsets.UTF_8));
                second.attach(0, "root", "s", 0);

                MetricSamples m = MetricsScrape.from(metrics);
                Map<String, String> v = Map.of("vm", "v");
                // Per operation, how many requests were timed: exactly those made above (Tversion is the session's).
                Map<String, Integer> made =
                        Map.of("attach", 2, "walk", 2, "lopen", 1, "read", 1, "lcreate", 1, "write", 1);
                made.forEach((op, n) -> assertEquals(
                        n.doubleValue(),
                        m.sum("p9gate_request_seconds_count", Map.of("vm", "v", "op", op)),
                        "timed " + op));
                assertEquals(8.0, m.sum("p9gate_request_seconds_count", v), "no other request timed");
                assertTrue(m.sum("p9gate_request_seconds_sum", v) > 0, "latency measured");
                assertEquals(2.0, m.sum("p9gate_connections", v), "two connections");
                assertEquals(4.0, m.sum("p9gate_budget_limit", Map.of("vm", "v", "budget", "connections")));
                assertEquals(4.0, m.sum("p9gate_open_fids", v), "fids 0, 1, 2 of the first, 0 of the second");
                assertEquals(50.0, m.sum("p9gate_budget_limit", Map.of("vm", "v", "budget", "fids")));
                assertEquals(8.0, m.sum("p9gate_quota_used_bytes", v), "hello + abc");
                assertEquals(2.0, m.sum("p9gate_quota_used_inodes", v), "f and g");
                assertEquals(1048576.0, m.sum("p9gate_quota_limit_bytes", v));
                assertEquals(100.0, m.sum("p9gate_quota_limit_inodes", v));
                assertEquals(List.of("s"), m.labelValues("p9gate_quota_used_bytes", "share"));
                // The create's intent record waited for an fsync of the segment (group commit).
                assertTrue(m.sum("p9gate_audit_sync_seconds_count") >= 1, "audit fsyncs timed");

                CliRun status = CliRun.of("status", "--metrics", "unix:" + metricsSocket);
                assertEquals(0, status.code(), status.err());
                List<String> lines = status.out().lines().toList();
                assertTrue(
                        lines.get(0)
                                .matches("VM +SESSIONS +CONNS +FIDS +REQUESTS +DENIED +ERRORS +BUDGET +READ"
                                        + " +WRITTEN +QUOTA +MEAN"),
                        status.out());
                assertTrue(
                        lines.get(1).matches("v +2 +2 +4 +8 +0 +0 +0 +5 B +3 B +2\\.0% +\\d+\\.\\d\\d ms"),
                        status.out());
                assertTrue(
                        lines.get(2)
                                .matches("audit: \\d+ records appended; \\d+ synced appends, mean \\S+ ms;"
                                        + " \\d+ fsyncs, mean \\S+ ms"),
                        status.out());
            }
            // A closed connection releases its fids on its session's worker, after the close is counted: wait for
            // that (bounded), then check both levels.
            MetricSamples closed = MetricsScrape.from(metrics);
            for (int i = 0; i < 300 && closed.sum("p9gate_open_fids", Map.of("vm", "v")) != 0.0; i++) {
                Thread.sleep(100);
                closed = MetricsScrape.from(metrics);
            }
            assertEquals(0.0, closed.sum("p9gate_connections", Map.of("vm", "v")), "both connections closed");
            assertEquals(0.0, closed.sum("p9gate_open_fids", Map.of("vm", "v")), "their fids with them");
        }
    }
}
