package io.p9gate.gateway.metrics;

import io.p9gate.gateway.proto.MessageType;
import io.p9gate.gateway.proto.TMessage.FileRequest;
import io.p9gate.gateway.wiring.RequestObserver;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.Locale;

/**
 * {@code p9gate_request_seconds{vm,op}}: how long each request took to serve, measured around the session's
 * handler (not derived from the audit log, which records decisions, not durations). {@code op} is the 9P
 * message without its T ({@code walk}, {@code read}, {@code lcreate}); the audit log's op names differ.
 */
public final class RequestLatency implements RequestObserver {
    private final Histogram seconds;

    public RequestLatency(PrometheusRegistry registry) {
        seconds = Histogram.builder()
                .name("p9gate_request_seconds")
                .help("Time to serve a 9P request (choke point, host call and audit append), by VM and 9P message")
                .classicUpperBounds(LatencyBuckets.SECONDS)
                .labelNames("vm", "op")
                .register(registry);
    }

    @Override
    public void served(String vm, FileRequest request, long nanos) {
        seconds.labelValues(vm == null || vm.isEmpty() ? AuditMetrics.NO_VM : vm, op(request.type()))
                .observe(nanos / 1e9);
    }

    static String op(MessageType type) {
        return type == null ? "unknown" : type.name().substring(1).toLowerCase(Locale.ROOT);
    }
}
