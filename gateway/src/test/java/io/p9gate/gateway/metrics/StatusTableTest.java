package io.p9gate.gateway.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
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
        ByteArrayOutputStream text = new ByteArrayOutputStream();
        PrometheusTextFormatWriter.create().write(text, metrics.registry().scrape());
        String table = StatusTable.render(MetricSamples.parse(text.toString(StandardCharsets.UTF_8)));
        assertEquals("""
                VM       SESSIONS  REQUESTS  DENIED  ERRORS  BUDGET     READ  WRITTEN
                cluster         0         2       2       2       0      0 B      0 B
                ivi             1        42      41      41       0  3.0 MiB      0 B
                audit: 4 records appended; 0 synced appends
                """, table);
    }

    @Test
    void aGatewayNobodyUsedYetSaysSo() {
        String table = StatusTable.render(MetricSamples.parse(""));
        assertEquals("""
                VM  SESSIONS  REQUESTS  DENIED  ERRORS  BUDGET  READ  WRITTEN
                (no VM has been served yet)
                audit: 0 records appended; 0 synced appends
                """, table);
    }
}
