package io.p9gate.gateway.metrics;

import io.p9gate.gateway.budget.Allowance;
import io.p9gate.gateway.budget.Budgets;
import io.p9gate.gateway.budget.VmBudget;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.function.ToLongFunction;

/**
 * Gauges read from the gateway's own state at each scrape, not counted from audit records: connections and open
 * fids per VM (the per-VM budgets hold exactly those counts, R-ROB-2), every budget's use and limit, and each
 * quota's use and limit (R-POL-6). Reading them at scrape time costs the request path nothing.
 */
public final class LiveGauges {
    private LiveGauges() {}

    /** @param quotas every VM's quota scopes now (empty without a policy or quotas) */
    public static void register(PrometheusRegistry registry, Budgets budgets, Supplier<List<QuotaScope>> quotas) {
        perVm(
                registry,
                budgets,
                "p9gate_connections",
                "Connections open now, by VM",
                b -> b.connections().used());
        perVm(
                registry,
                budgets,
                "p9gate_open_fids",
                "Fids held now across the VM's sessions, by VM",
                b -> b.fids().used());
        GaugeWithCallback.builder()
                .name("p9gate_budget_used")
                .help("Use of each per-VM budget now (R-ROB-2; docs/policy.md, Resource limits), by VM and budget")
                .labelNames("vm", "budget")
                .callback(cb -> budgets.vms().forEach(b -> each(b, (name, a) -> cb.call(a.used(), b.vm(), name))))
                .register(registry);
        GaugeWithCallback.builder()
                .name("p9gate_budget_limit")
                .help("Limit of each per-VM budget (derived or from the policy's limits:), by VM and budget")
                .labelNames("vm", "budget")
                .callback(cb ->
                        budgets.vms().forEach(b -> each(b, (name, a) -> cb.call(limit(a.limit()), b.vm(), name))))
                .register(registry);
        quota(registry, quotas, "p9gate_quota_used_bytes", "Bytes counted by each quota now", QuotaScope::usedBytes);
        quota(
                registry,
                quotas,
                "p9gate_quota_limit_bytes",
                "Byte limit of each quota (+Inf: none)",
                QuotaScope::limitBytes);
        quota(registry, quotas, "p9gate_quota_used_inodes", "Inodes counted by each quota now", QuotaScope::usedInodes);
        quota(
                registry,
                quotas,
                "p9gate_quota_limit_inodes",
                "Inode limit of each quota (+Inf: none)",
                QuotaScope::limitInodes);
    }

    /**
     * Each CRL's nextUpdate as Unix seconds (as of the last load or reload): an alert can fire before it passes.
     * A CRL past it is still used (docs/policy.md).
     */
    public static void crls(PrometheusRegistry registry, Supplier<Map<String, Instant>> nextUpdates) {
        GaugeWithCallback.builder()
                .name("p9gate_crl_next_update_seconds")
                .help("nextUpdate of each client-cert CRL of the policy, as Unix seconds, by CRL file")
                .labelNames("crl")
                .callback(cb -> nextUpdates.get().forEach((file, next) -> cb.call(next.getEpochSecond(), file)))
                .register(registry);
    }

    /**
     * 1 for each Unix listener whose socket file was deleted or replaced and could not be bound again (no VM can
     * connect there), 0 for every other; {@code listeners} gives each Unix listener and whether its file is lost.
     */
    public static void socketFiles(PrometheusRegistry registry, Supplier<Map<String, Boolean>> listeners) {
        GaugeWithCallback.builder()
                .name(SOCKET_FILE_LOST)
                .help("1 when a Unix listener's socket file is lost and could not be bound again, by listener")
                .labelNames("listener")
                .callback(cb -> listeners.get().forEach((listener, lost) -> cb.call(lost ? 1 : 0, listener)))
                .register(registry);
    }

    /** The gauge of {@link #socketFiles}, which {@code p9gate status} reads. */
    public static final String SOCKET_FILE_LOST = "p9gate_listener_socket_lost";

    private static void perVm(
            PrometheusRegistry registry, Budgets budgets, String name, String help, ToLongFunction<VmBudget> value) {
        GaugeWithCallback.builder()
                .name(name)
                .help(help)
                .labelNames("vm")
                .callback(cb -> budgets.vms().forEach(b -> cb.call(value.applyAsLong(b), b.vm())))
                .register(registry);
    }

    private static void quota(
            PrometheusRegistry registry,
            Supplier<List<QuotaScope>> quotas,
            String name,
            String help,
            ToLongFunction<QuotaScope> value) {
        GaugeWithCallback.builder()
                .name(name)
                .help(help + ", by VM, quota, share and scope path")
                .labelNames("vm", "quota", "share", "path")
                .callback(cb -> quotas.get()
                        .forEach(q -> cb.call(limit(value.applyAsLong(q)), q.vm(), q.quota(), q.share(), q.path())))
                .register(registry);
    }

    private interface BudgetSink {
        void accept(String name, Allowance allowance);
    }

    private static void each(VmBudget budget, BudgetSink sink) {
        sink.accept("connections", budget.connections());
        sink.accept("fids", budget.fids());
        sink.accept("descriptors", budget.descriptors());
        sink.accept("locks", budget.locks());
        sink.accept("xattr-bytes", budget.xattrBytes());
    }

    /** Long.MAX_VALUE is how budgets and quotas say "no limit". */
    private static double limit(long value) {
        return value == Long.MAX_VALUE ? Double.POSITIVE_INFINITY : value;
    }
}
