package io.p9gate.gateway.metrics;

import io.p9gate.audit.AuditEvent;
import io.p9gate.audit.Durability;
import io.p9gate.audit.LifecycleKind;
import io.p9gate.audit.Outcome;
import io.p9gate.audit.SyncObserver;
import io.p9gate.gateway.auditing.AuditObserver;
import io.p9gate.gateway.auditing.RefusalSummaryWords;
import io.p9gate.gateway.proto.Errno;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.Locale;

/**
 * The gateway's metrics, every one counted from an audit record as {@code SignedAuditTrail} writes it (the
 * {@link AuditObserver}), so that they say what the log says: a refusal summary adds the {@code count} of
 * requests it stands for, an intent record is not a second request. A change's intent record is its request (with the bytes it
 * carries); the outcome record that may follow adds only its errno. Names, labels and meaning: docs/deploy.md,
 * "Metrics". Updating a metric takes no lock the request path waits on beyond the client's striped adders.
 */
public final class AuditMetrics implements AuditObserver, SyncObserver {
    /** The label value for a record without a VM (a refusal before the VM was known). */
    static final String NO_VM = "-";
    /** Rule ids of budget refusals start so ({@code budget.<limit key>}, see OverBudget). */
    private static final String BUDGET_RULE = "budget.";

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final Counter requests = Counter.builder()
            .name("p9gate_requests_total")
            .help("9P requests decided, by VM, operation and decision (allow|deny)")
            .labelNames("vm", "op", "decision")
            .register(registry);
    private final Counter errors = Counter.builder()
            .name("p9gate_request_errors_total")
            .help("9P requests answered with an error, by VM, operation and errno name")
            .labelNames("vm", "op", "errno")
            .register(registry);
    private final Counter budgetRefusals = Counter.builder()
            .name("p9gate_budget_refusals_total")
            .help("Requests and connections refused by a per-VM budget, by VM and budget rule")
            .labelNames("vm", "rule")
            .register(registry);
    private final Counter refusalsSummarised = Counter.builder()
            .name("p9gate_audit_refusals_summarised_total")
            .help("Refusals the audit log's refusal budget counted into a summary record instead of writing each, by"
                    + " VM; rate() > 0: a VM is refused faster than the log writes refusals one by one")
            .labelNames("vm")
            .register(registry);
    private final Counter bytesRead = Counter.builder()
            .name("p9gate_read_bytes_total")
            .help("Bytes returned by read requests, by VM")
            .labelNames("vm")
            .register(registry);
    private final Counter bytesWritten = Counter.builder()
            .name("p9gate_written_bytes_total")
            .help("Bytes written by write requests, by VM")
            .labelNames("vm")
            .register(registry);
    private final Gauge sessions = Gauge.builder()
            .name("p9gate_sessions")
            .help("Sessions attached now (session_attach minus session_close records), by VM")
            .labelNames("vm")
            .register(registry);
    private final Counter records = Counter.builder()
            .name("p9gate_audit_records_total")
            .help("Audit records the gateway appended, by kind (decision|lifecycle); rate() is records/s")
            .labelNames("kind")
            .register(registry);
    private final Histogram appendSeconds = Histogram.builder()
            .name("p9gate_audit_append_seconds")
            .help("Time to append one audit record, by durability waited for (synced: on disk, the intent of "
                    + "a change; written: in the kernel)")
            .classicUpperBounds(LatencyBuckets.SECONDS)
            .labelNames("durability")
            .register(registry);
    private final Histogram syncSeconds = Histogram.builder()
            .name("p9gate_audit_sync_seconds")
            .help("Time of one fsync of the audit segment (group commit: one fsync covers every record written "
                    + "before it)")
            .classicUpperBounds(LatencyBuckets.SECONDS)
            .register(registry);

    /** What the endpoint exposes. */
    public PrometheusRegistry registry() {
        return registry;
    }

    @Override
    public void written(WrittenRecord written) {
        appendSeconds.labelValues(durability(written.durability())).observe(written.appendNanos() / 1e9);
        switch (written.event()) {
            case AuditEvent.Decision decision -> {
                records.labelValues("decision").inc();
                // A change is one request: its intent carries the decision and the bytes announced; an outcome
                // record follows only when the call failed or moved other bytes, and adds just its errno.
                switch (written.phase()) {
                    case DONE, INTENT -> countRequests(decision);
                    case OUTCOME -> countError(decision);
                }
            }
            case AuditEvent.Lifecycle lifecycle -> {
                records.labelValues("lifecycle").inc();
                countSessions(lifecycle);
            }
        }
    }

    /** A segment fsync, on the thread that made it (a change leading a group commit, or the checkpoint thread). */
    @Override
    public void synced(long nanos) {
        syncSeconds.observe(nanos / 1e9);
    }

    private void countRequests(AuditEvent.Decision d) {
        String vm = vm(d.vm());
        long count = d.count();
        requests.labelValues(vm, d.op(), d.outcome() == Outcome.ALLOW ? "allow" : "deny")
                .inc(count);
        countError(d);
        if (RefusalSummaryWords.summary(d.detail())) {
            refusalsSummarised.labelValues(vm).inc(count);
        }
        for (String rule : d.ruleIds()) {
            if (rule.startsWith(BUDGET_RULE)) {
                budgetRefusals.labelValues(vm, rule).inc(count);
            }
        }
        if (d.bytes() > 0) { // a short write's outcome record is not subtracted: see docs/deploy.md
            switch (d.op()) {
                case "read" -> bytesRead.labelValues(vm).inc(d.bytes());
                case "write" -> bytesWritten.labelValues(vm).inc(d.bytes());
                default -> {} // xattr values and directory entries are not file data
            }
        }
    }

    private void countError(AuditEvent.Decision d) {
        if (d.errno() != 0) {
            errors.labelValues(vm(d.vm()), d.op(), errnoName(d.errno())).inc(d.count());
        }
    }

    private void countSessions(AuditEvent.Lifecycle lifecycle) {
        if (lifecycle.kind() == LifecycleKind.SESSION_ATTACH) {
            sessions.labelValues(vm(lifecycle.vm())).inc();
        } else if (lifecycle.kind() == LifecycleKind.SESSION_CLOSE) {
            sessions.labelValues(vm(lifecycle.vm())).dec();
        }
    }

    private static String vm(String vm) {
        return vm == null || vm.isEmpty() ? NO_VM : vm;
    }

    private static String durability(Durability durability) {
        return durability.name().toLowerCase(Locale.ROOT);
    }

    /** EACCES rather than 13: what an operator searches for; an unknown code stays a number. */
    private static String errnoName(int code) {
        Errno errno = Errno.of(code); // EIO for codes it does not know
        return errno.code() == code ? errno.name() : Integer.toString(code);
    }
}
