/**
 * {@code serve --metrics}: Prometheus metrics counted from the audit records as they are written
 * ({@link io.p9gate.gateway.metrics.AuditMetrics}), served over a unix socket or loopback tcp
 * ({@link io.p9gate.gateway.metrics.MetricsEndpoint}), read back by {@code p9gate status}.
 */
package io.p9gate.gateway.metrics;
