package io.p9gate.gateway.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.budget.Budgets;
import io.p9gate.gateway.proto.TMessage;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** p9gate status's table: one line per VM, numbers as the metrics have them. */
class StatusTableTest {
    @Test
    void oneLinePerVmAndOneForTheAuditLog() throws Exception {
        AuditMetrics metrics = new AuditMetrics();
        metrics.written(Records.attached("ivi"));
        metrics.written(Records.read("ivi", 3 * 1024 * 1024));
        metrics.written(Records.deniedWalks("ivi", 41));
        metrics.written(Records.deniedWalks("cluster", 2));
        metrics.synced(3_000_000);
        metrics.synced(1_000_000);
        RequestLatency latency = new RequestLatency(metrics.registry());
        latency.served("ivi", new TMessage.Tclunk(1), 1_500_000);
        latency.served("ivi", new TMessage.Tclunk(2), 500_000);
        Budgets budgets = Budgets.perListener(List.of("ivi", "cluster"), 0, 65536);
        budgets.vm("ivi").orElseThrow().connections().acquire(1);
        budgets.vm("ivi").orElseThrow().fids().acquire(3);
        LiveGauges.register(
                metrics.registry(),
                budgets,
                () -> List.of(
                        new QuotaScope("ivi", "q1", "maps", "/", 512, 1024, 1, QuotaScope.UNLIMITED),
                        new QuotaScope("ivi", "q2", "maps", "/cache", 10, QuotaScope.UNLIMITED, 30, 40)));
        ByteArrayOutputStream text = new ByteArrayOutputStream();
        PrometheusTextFormatWriter.create().write(text, metrics.registry().scrape());
        String table = StatusTable.render(MetricSamples.parse(text.toString(StandardCharsets.UTF_8)));
        assertEquals("""
                VM       SESSIONS  CONNS  FIDS  REQUESTS  DENIED  ERRORS  BUDGET     READ  WRITTEN  QUOTA     MEAN
                cluster         0      0     0         2       2       2       0      0 B      0 B      -        -
                ivi             1      1     3        42      41      41       0  3.0 MiB      0 B  75.0%  1.00 ms
                audit: 4 records appended; 0 synced appends; 2 fsyncs, mean 2.00 ms
                """, table);
    }

    /**
     * A peer that is not the gateway (a wrong socket, a compromised process) may name any number of VMs: 4,000 in
     * a 120 KB answer took 10 s to table, since each VM's columns were summed over every sample (and each quota's
     * limit looked up over every sample again). The timeout only guards against the hang; the table is the check.
     */
    @Test
    void anAnswerNamingTwentyThousandVmsIsTabledInOnePass() {
        int vms = 20_000;
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < vms; i++) {
            String labels = "vm=\"vm" + i + "\",quota=\"q\",share=\"s\",path=\"/\"";
            text.append("p9gate_sessions{vm=\"vm").append(i).append("\"} 1\n");
            text.append("p9gate_quota_used_bytes{").append(labels).append("} 1\n");
            text.append("p9gate_quota_limit_bytes{").append(labels).append("} 4\n");
        }
        MetricSamples m = MetricSamples.parse(text.toString());
        String table = assertTimeoutPreemptively(Duration.ofSeconds(60), () -> StatusTable.render(m));
        List<String> lines = table.lines().toList();
        assertEquals(1 + vms + 1, lines.size());
        assertEquals(
                List.of("vm0", "1", "0", "0", "0", "0", "0", "0", "0", "B", "0", "B", "25.0%", "-"),
                List.of(lines.get(1).split(" +")));
    }

    @Test
    void aGatewayNobodyUsedYetSaysSo() {
        String table = StatusTable.render(MetricSamples.parse(""));
        assertEquals("""
                VM  SESSIONS  CONNS  FIDS  REQUESTS  DENIED  ERRORS  BUDGET  READ  WRITTEN  QUOTA  MEAN
                (no VM has been served yet)
                audit: 0 records appended; 0 synced appends; 0 fsyncs
                """, table);
    }

    /** A listener whose socket file is lost (deleted or replaced, and not bound again) gets a line of its own. */
    @Test
    void aListenerWhoseSocketFileIsLostIsNamed() {
        String table = StatusTable.render(MetricSamples.parse("""
                p9gate_listener_socket_lost{listener="unix:/run/p9gate/a.sock"} 1
                p9gate_listener_socket_lost{listener="unix:/run/p9gate/b.sock"} 0
                """));
        assertEquals(
                "listener unix:/run/p9gate/a.sock: socket file lost, no VM can connect there (the gateway's log says"
                        + " why)",
                table.lines().toList().getLast());
        assertEquals(1, table.lines().filter(l -> l.startsWith("listener ")).count());
    }
    /**
     * A peer can choose labels whose sets all have the same hash code ({@code Map.hashCode} sums its entries', and
     * "Aa" and "BB" hash alike): a quota's limit looked up by its label set then compared every earlier set, and
     * 65,536 quotas (8 MB, within the 16 MiB status reads, after the 10 s deadline of the exchange) kept status busy
     * for minutes. The timeout only guards against the hang; the table is the check.
     */
    @Test
    void quotasWhoseLabelSetsHashAlikeAreTabledInLinearTime() {
        List<String> names = hashingAlike(16);
        StringBuilder text = new StringBuilder();
        for (String name : names) {
            String labels = "vm=\"v\",quota=\"" + name + "\"";
            text.append("p9gate_quota_used_bytes{").append(labels).append("} 1\n");
            text.append("p9gate_quota_limit_bytes{").append(labels).append("} 4\n");
        }
        text.append("p9gate_sessions{vm=\"v\"} 1\n");
        String table = assertTimeoutPreemptively(
                Duration.ofSeconds(30), () -> StatusTable.render(MetricSamples.parse(text.toString())));
        assertEquals(
                List.of("v", "1", "0", "0", "0", "0", "0", "0", "0", "B", "0", "B", "25.0%", "-"),
                List.of(table.lines().toList().get(1).split(" +")));
    }

    /**
     * One sample with 131,072 labels whose names hash alike (5 MB) made its immutable label map probe every earlier
     * name for each new one; the gateway's samples have at most four labels, so such a line is not a sample.
     */
    @Test
    void aSampleWithMoreLabelsThanAnyMetricHasIsNotASample() {
        StringBuilder line = new StringBuilder("p9gate_sessions{vm=\"v\"");
        for (String name : hashingAlike(17)) {
            line.append(',').append(name).append("=\"\"");
        }
        line.append("} 1\n");
        IllegalArgumentException e = assertTimeoutPreemptively(
                Duration.ofSeconds(30),
                () -> assertThrows(IllegalArgumentException.class, () -> MetricSamples.parse(line.toString())));
        assertTrue(e.getMessage().startsWith("not a metrics sample: p9gate_sessions{vm=\"v\","), e.getMessage());
    }

    /** 2^blocks distinct strings of the same {@code hashCode}: every sequence of "Aa" and "BB". */
    private static List<String> hashingAlike(int blocks) {
        List<String> strings = new java.util.ArrayList<>(List.of(""));
        for (int b = 0; b < blocks; b++) {
            List<String> longer = new java.util.ArrayList<>(strings.size() * 2);
            for (String s : strings) {
                longer.add(s + "Aa");
                longer.add(s + "BB");
            }
            strings = longer;
        }
        return strings;
    }
}
