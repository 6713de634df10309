package io.p9gate.gateway.metrics;

import io.p9gate.audit.read.PrintableText;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;

/** {@code p9gate status}: the metrics as one line per VM and one for the audit log. */
public final class StatusTable {
    private static final String[] HEADER = {
        "VM", "SESSIONS", "CONNS", "FIDS", "REQUESTS", "DENIED", "ERRORS", "BUDGET", "READ", "WRITTEN", "QUOTA", "MEAN"
    };

    private StatusTable() {}

    public static String render(MetricSamples m) {
        TreeSet<String> vms = new TreeSet<>();
        for (String name : List.of("p9gate_requests_total", "p9gate_sessions")) {
            vms.addAll(m.labelValues(name, "vm"));
        }
        // Every VM of the policy has a connections gauge: an idle one is not worth a row.
        m.labelValues("p9gate_connections", "vm").stream()
                .filter(vm -> m.sum("p9gate_connections", Map.of("vm", vm)) > 0)
                .forEach(vms::add);
        List<String[]> rows = new ArrayList<>();
        rows.add(HEADER);
        for (String vm : vms) {
            Map<String, String> of = Map.of("vm", vm);
            rows.add(new String[] {
                // The names are the peer's: a hostile one (a wrong socket) would drive the terminal or forge a row.
                PrintableText.escape(vm),
                count(m.sum("p9gate_sessions", of)),
                count(m.sum("p9gate_connections", of)),
                count(m.sum("p9gate_open_fids", of)),
                count(m.sum("p9gate_requests_total", of)),
                count(m.sum("p9gate_requests_total", Map.of("vm", vm, "decision", "deny"))),
                count(m.sum("p9gate_request_errors_total", of)),
                count(m.sum("p9gate_budget_refusals_total", of)),
                bytes(m.sum("p9gate_read_bytes_total", of)),
                bytes(m.sum("p9gate_written_bytes_total", of)),
                fullestQuota(m, vm),
                meanMillis(m, "p9gate_request_seconds", of)
            });
        }
        StringBuilder out = new StringBuilder();
        table(rows, out);
        if (vms.isEmpty()) {
            out.append("(no VM has been served yet)\n");
        }
        double synced = m.sum("p9gate_audit_append_seconds_count", Map.of("durability", "synced"));
        double syncedSeconds = m.sum("p9gate_audit_append_seconds_sum", Map.of("durability", "synced"));
        out.append("audit: ")
                .append(count(m.sum("p9gate_audit_records_total")))
                .append(" records appended; ")
                .append(count(synced))
                .append(" synced appends")
                .append(synced > 0 ? String.format(Locale.ROOT, ", mean %.2f ms", 1000 * syncedSeconds / synced) : "")
                .append("; ")
                .append(count(m.sum("p9gate_audit_sync_seconds_count")))
                .append(" fsyncs");
        String fsyncMean = meanMillis(m, "p9gate_audit_sync_seconds", Map.of());
        out.append(fsyncMean.equals(NONE) ? "" : ", mean " + fsyncMean).append('\n');
        return out.toString();
    }

    private static final String NONE = "-";

    /** The VM's fullest quota, by bytes or inodes, in percent of its limit; "-" without a finite limit. */
    private static String fullestQuota(MetricSamples m, String vm) {
        double fullest = -1;
        for (MetricSamples.Sample used : m.samples()) {
            boolean bytes = used.name().equals("p9gate_quota_used_bytes");
            if (!(bytes || used.name().equals("p9gate_quota_used_inodes"))
                    || !vm.equals(used.labels().get("vm"))) {
                continue;
            }
            double limit = m.sum(bytes ? "p9gate_quota_limit_bytes" : "p9gate_quota_limit_inodes", used.labels());
            if (limit > 0 && !Double.isInfinite(limit)) {
                fullest = Math.max(fullest, used.value() / limit);
            }
        }
        return fullest < 0 ? NONE : String.format(Locale.ROOT, "%.1f%%", 100 * fullest);
    }

    /** A histogram's mean in milliseconds, "-" before its first observation. */
    private static String meanMillis(MetricSamples m, String histogram, Map<String, String> labels) {
        double n = m.sum(histogram + "_count", labels);
        return n > 0 ? String.format(Locale.ROOT, "%.2f ms", 1000 * m.sum(histogram + "_sum", labels) / n) : NONE;
    }

    private static void table(List<String[]> rows, StringBuilder out) {
        int[] width = new int[HEADER.length];
        for (String[] row : rows) {
            for (int i = 0; i < row.length; i++) {
                width[i] = Math.max(width[i], row[i].length());
            }
        }
        for (String[] row : rows) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < row.length; i++) {
                // The VM name reads left-aligned, the numbers right-aligned.
                line.append(
                        i == 0
                                ? String.format("%-" + width[i] + "s", row[i])
                                : "  " + String.format("%" + width[i] + "s", row[i]));
            }
            out.append(line.toString().stripTrailing()).append('\n');
        }
    }

    private static String count(double value) {
        return Long.toString(Math.round(value));
    }

    /** Binary units, one decimal: what a person compares at a glance. */
    static String bytes(double value) {
        String[] units = {"B", "KiB", "MiB", "GiB", "TiB"};
        int unit = 0;
        while (value >= 1024 && unit < units.length - 1) {
            value /= 1024;
            unit++;
        }
        return unit == 0 ? Math.round(value) + " B" : String.format(Locale.ROOT, "%.1f %s", value, units[unit]);
    }
}
