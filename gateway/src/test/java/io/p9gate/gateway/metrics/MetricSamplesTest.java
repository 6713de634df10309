package io.p9gate.gateway.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import org.junit.jupiter.api.Test;

class MetricSamplesTest {
    @Test
    void anUnlimitedGaugeReadsAsInfinity() {
        MetricSamples m = MetricSamples.parse("""
                # TYPE p9gate_quota_limit_bytes gauge
                p9gate_quota_limit_bytes{vm="v",quota="q"} +Inf
                p9gate_budget_limit{vm="v",budget="fids"} 50.0
                """);
        assertEquals(Double.POSITIVE_INFINITY, m.sum("p9gate_quota_limit_bytes", Map.of("vm", "v")));
        assertEquals(50.0, m.sum("p9gate_budget_limit"));
    }
}
