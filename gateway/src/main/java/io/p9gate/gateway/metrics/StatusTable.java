package io.p9gate.gateway.metrics;

import io.p9gate.audit.read.PrintableText;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/** {@code p9gate status}: the metrics as one line per VM and one for the audit log. */
public final class StatusTable {
    private static final String[] HEADER = {
        "VM", "SESSIONS", "CONNS", "FIDS", "REQUESTS", "DENIED", "ERRORS", "BUDGET", "READ", "WRITTEN", "QUOTA", "MEAN"
    };

    private StatusTable() {}

    /**
     * The table, in time linear in the number of samples: each column is summed by VM in one pass. The answer is
     * the peer's and may name hundreds of thousands of VMs within the size status reads; summing each VM's columns
     * over every sample took hours for such an answer (quadratic; cubic for the quotas).
     */
    public static String render(MetricSamples m) {
        Map<String, String> any = Map.of();
        Map<String, Double> sessions = m.sumsBy("p9gate_sessions", VM, any);
        Map<String, Double> connections = m.sumsBy("p9gate_connections", VM, any);
        Map<String, Double> requests = m.sumsBy("p9gate_requests_total", VM, any);
        TreeSet<String> vms = new TreeSet<>(requests.keySet());
        vms.addAll(sessions.keySet());
        // Every VM of the policy has a connections gauge: an idle one is not worth a row.
        connections.forEach((vm, open) -> {
            if (open > 0) {
                vms.add(vm);
            }
        });
        List<Map<String, Double>> counts = List.of(
                sessions,
                connections,
                m.sumsBy("p9gate_open_fids", VM, any),
                requests,
                m.sumsBy("p9gate_requests_total", VM, Map.of("decision", "deny")),
                m.sumsBy("p9gate_request_errors_total", VM, any),
                m.sumsBy("p9gate_budget_refusals_total", VM, any));
        Map<String, Double> read = m.sumsBy("p9gate_read_bytes_total", VM, any);
        Map<String, Double> written = m.sumsBy("p9gate_written_bytes_total", VM, any);
        Map<String, Double> served = m.sumsBy("p9gate_request_seconds_count", VM, any);
        Map<String, Double> serving = m.sumsBy("p9gate_request_seconds_sum", VM, any);
        Map<String, Double> quotas = fullestQuotas(m);
        List<String[]> rows = new ArrayList<>();
        rows.add(HEADER);
        for (String vm : vms) {
            List<String> row = new ArrayList<>();
            // The names are the peer's: a hostile one (a wrong socket) would drive the terminal or forge a row.
            row.add(PrintableText.escape(vm));
            counts.forEach(column -> row.add(count(column.getOrDefault(vm, 0.0))));
            row.add(bytes(read.getOrDefault(vm, 0.0)));
            row.add(bytes(written.getOrDefault(vm, 0.0)));
            Double fullest = quotas.get(vm);
            row.add(fullest == null || fullest < 0 ? NONE : String.format(Locale.ROOT, "%.1f%%", 100 * fullest));
            row.add(mean(served.getOrDefault(vm, 0.0), serving.getOrDefault(vm, 0.0)));
            rows.add(row.toArray(String[]::new));
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
        for (MetricSamples.Sample s : m.samples()) {
            if (s.name().equals(LiveGauges.SOCKET_FILE_LOST) && s.value() > 0) {
                out.append("listener ")
                        .append(PrintableText.escape(s.labels().getOrDefault("listener", "?")))
                        .append(": socket file lost, no VM can connect there (the gateway's log says why)\n");
            }
        }
        return out.toString();
    }

    private static final String NONE = "-";
    private static final String VM = "vm";

    /**
     * Each VM's fullest quota, by bytes or inodes, as a fraction of its limit; a VM without a finite limit is
     * absent. A used sample's limit is the limit sample with the same labels.
     */
    private static Map<String, Double> fullestQuotas(MetricSamples m) {
        Map<String, Double> byteLimits = byLabels(m, "p9gate_quota_limit_bytes");
        Map<String, Double> inodeLimits = byLabels(m, "p9gate_quota_limit_inodes");
        Map<String, Double> fullest = new HashMap<>();
        for (MetricSamples.Sample used : m.samples()) {
            boolean bytes = used.name().equals("p9gate_quota_used_bytes");
            String vm = used.labels().get(VM);
            if (vm == null || !(bytes || used.name().equals("p9gate_quota_used_inodes"))) {
                continue;
            }
            double limit = (bytes ? byteLimits : inodeLimits).getOrDefault(key(used.labels()), 0.0);
            if (limit > 0 && !Double.isInfinite(limit)) {
                fullest.merge(vm, used.value() / limit, Math::max);
            }
        }
        return fullest;
    }

    /**
     * {@code name}'s samples by their label set, keyed by {@link #key}: label sets are the peer's, and a peer can
     * make thousands whose {@code Map.hashCode} is the same, which a map keyed by them compares one by one.
     */
    private static Map<String, Double> byLabels(MetricSamples m, String name) {
        Map<String, Double> values = new HashMap<>();
        for (MetricSamples.Sample s : m.samples()) {
            if (s.name().equals(name)) {
                values.merge(key(s.labels()), s.value(), Double::sum);
            }
        }
        return values;
    }

    /**
     * A label set as one string, the same for equal sets and different for different ones (each name and value
     * preceded by its length): a string key a hash map keeps ordered where hash codes collide.
     */
    private static String key(Map<String, String> labels) {
        StringBuilder key = new StringBuilder();
        new TreeMap<>(labels)
                .forEach((label, value) -> key.append(label.length())
                        .append(':')
                        .append(label)
                        .append(value.length())
                        .append(':')
                        .append(value));
        return key.toString();
    }

    /** A histogram's mean in milliseconds, "-" before its first observation. */
    private static String meanMillis(MetricSamples m, String histogram, Map<String, String> labels) {
        return mean(m.sum(histogram + "_count", labels), m.sum(histogram + "_sum", labels));
    }

    private static String mean(double count, double seconds) {
        return count > 0 ? String.format(Locale.ROOT, "%.2f ms", 1000 * seconds / count) : NONE;
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
                String pad = " ".repeat(width[i] - row[i].length());
                line.append(i == 0 ? row[i] + pad : "  " + pad + row[i]);
            }
            out.append(line.toString().stripTrailing()).append('\n');
        }
    }

    private static String count(double value) {
        return Long.toString(Math.round(value));
    }

    /** Binary units, one decimal: what a person compares at a glance. */
    public static String bytes(double value) {
        String[] units = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
        int unit = 0;
        while (value >= 1024 && unit < units.length - 1) {
            value /= 1024;
            unit++;
        }
        return unit == 0 ? Math.round(value) + " B" : String.format(Locale.ROOT, "%.1f %s", value, units[unit]);
    }
}
