package io.p9gate.audit.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.p9gate.audit.read.AuditRecord;
import io.p9gate.audit.read.ErrnoNames;
import io.p9gate.audit.read.PrintableText;
import io.p9gate.audit.read.StoredLine;
import io.p9gate.audit.verify.Progress;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * What {@code audit stats} and {@code audit report} sum up. Decisions count the requests they stand for (a summary
 * of repeated refusals stands for its {@code count}), so the numbers are what the guests did, not how the log
 * stored it; every other count is of records.
 */
final class LogStatistics {
    private long records;
    private long firstSeq = -1;
    private long lastSeq = -1;
    private Instant firstTime;
    private Instant lastTime;
    private final Map<String, Long> byType = new TreeMap<>();
    private final Tally decisions = new Tally();
    private long decisionRecords;
    private final Map<String, Tally> byVm = new TreeMap<>();
    private final Map<String, Tally> byOp = new TreeMap<>();
    private final Map<String, Long> byErrno = new HashMap<>();
    private final Map<String, Long> byRule = new HashMap<>();
    private final Map<VmPath, Long> deniedPaths = new HashMap<>();

    /** A path of one VM: the same path in two VMs is two places. */
    private record VmPath(String vm, String path) implements Comparable<VmPath> {
        @Override
        public int compareTo(VmPath o) {
            return Comparator.comparing(VmPath::vm).thenComparing(VmPath::path).compare(this, o);
        }
    }

    /** Requests of one VM or op (or all), by the policy's answer, and how many the guest saw refused. */
    static final class Tally {
        long requests;
        long allow;
        long deny;
        long refused;

        void add(AuditRecord r, long n) {
            requests += n;
            if ("allow".equals(r.decision())) {
                allow += n;
            } else if ("deny".equals(r.decision())) {
                deny += n;
            }
            if (r.refused()) {
                refused += n;
            }
        }

        ObjectNode json(ObjectNode into) {
            return into.put("requests", requests)
                    .put("allow", allow)
                    .put("deny", deny)
                    .put("refused", refused);
        }
    }

    /**
     * Sums up the records of a log that {@code wanted} selects; {@code parse} turns a stored line into its record,
     * or null for a line that is none (the command warns about it).
     */
    static LogStatistics read(
            Path dir, Function<StoredLine, AuditRecord> parse, Predicate<AuditRecord> wanted, Progress progress)
            throws IOException {
        LogStatistics stats = new LogStatistics();
        LineProgress reading = LineProgress.of(dir, progress);
        new LogTail(dir).poll(line -> {
            reading.read(line);
            AuditRecord r = parse.apply(line);
            if (r != null && wanted.test(r)) {
                stats.add(r);
            }
            return true;
        });
        return stats;
    }

    void add(AuditRecord r) {
        records++;
        firstSeq = firstSeq < 0 ? r.seq() : Math.min(firstSeq, r.seq());
        lastSeq = Math.max(lastSeq, r.seq());
        if (r.time() != null) {
            Instant t = r.instant();
            firstTime = firstTime == null || t.isBefore(firstTime) ? t : firstTime;
            lastTime = lastTime == null || t.isAfter(lastTime) ? t : lastTime;
        }
        byType.merge(String.valueOf(r.type()), 1L, Long::sum);
        if (!r.isDecision()) {
            return;
        }
        long n = r.requests();
        decisionRecords++;
        decisions.add(r, n);
        byVm.computeIfAbsent(String.valueOf(r.vm()), k -> new Tally()).add(r, n);
        byOp.computeIfAbsent(String.valueOf(r.op()), k -> new Tally()).add(r, n);
        byErrno.merge(r.errno() == null ? "-" : ErrnoNames.name(r.errno()), n, Long::sum);
        if (r.rules() != null) {
            r.rules().forEach(rule -> byRule.merge(rule, n, Long::sum));
        }
        if ("deny".equals(r.decision()) && r.path() != null) {
            deniedPaths.merge(new VmPath(String.valueOf(r.vm()), r.path()), n, Long::sum);
        }
    }

    long checkpoints() {
        return byType.getOrDefault("checkpoint", 0L);
    }

    ObjectNode json(ObjectMapper mapper, int top) {
        ObjectNode root = mapper.createObjectNode();
        root.put("records", records);
        root.putObject("seq").put("first", firstSeq < 0 ? null : firstSeq).put("last", lastSeq < 0 ? null : lastSeq);
        root.putObject("time").put("first", text(firstTime)).put("last", text(lastTime));
        root.put("checkpoints", checkpoints());
        ObjectNode types = root.putObject("byType");
        byType.forEach(types::put);
        decisions.json(root.putObject("decisions").put("records", decisionRecords));
        ObjectNode vms = root.putObject("byVm");
        byVm.forEach((vm, t) -> t.json(vms.putObject(vm)));
        ObjectNode ops = root.putObject("byOp");
        byOp.forEach((op, t) -> t.json(ops.putObject(op)));
        ObjectNode errnos = root.putObject("byErrno");
        mostFirst(byErrno).forEach(e -> errnos.put(e.getKey(), e.getValue()));
        ObjectNode rules = root.putObject("byRule");
        mostFirst(byRule).forEach(e -> rules.put(e.getKey(), e.getValue()));
        ArrayNode paths = root.putArray("topDeniedPaths");
        mostFirst(deniedPaths).stream()
                .limit(top)
                .forEach(e -> paths.addObject()
                        .put("vm", e.getKey().vm())
                        .put("path", e.getKey().path())
                        .put("requests", e.getValue()));
        return root;
    }

    void text(PrintWriter out, int top) {
        if (records == 0) {
            // Not "seq -1..-1, null .. null": a log directory holding no record yet (or filtered to none).
            out.println("records:     0 (no record matched, or the log holds none)");
        } else {
            recordsLine(out);
        }
        textAfterRecords(out, top);
    }

    private void recordsLine(PrintWriter out) {
        out.printf(
                Locale.ROOT,
                "records:     %d (seq %d..%d), %s .. %s%n",
                records,
                firstSeq,
                lastSeq,
                text(firstTime),
                text(lastTime));
    }

    private void textAfterRecords(PrintWriter out, int top) {
        out.printf(Locale.ROOT, "checkpoints: %d%n", checkpoints());
        out.printf(
                Locale.ROOT,
                "types:       %s%n",
                String.join(
                        ", ",
                        byType.entrySet().stream()
                                .map(e -> PrintableText.escape(e.getKey()) + " " + e.getValue())
                                .toList()));
        out.printf(
                Locale.ROOT,
                "decisions:   %d records for %d requests: %d allow, %d deny; %d refused%n",
                decisionRecords,
                decisions.requests,
                decisions.allow,
                decisions.deny,
                decisions.refused);
        tallies(out, "by VM", byVm);
        tallies(out, "by op", byOp);
        counts(out, "by errno", byErrno);
        counts(out, "by rule", byRule);
        out.println("top denied paths (requests, VM, path):");
        mostFirst(deniedPaths).stream()
                .limit(top)
                .forEach(e -> out.printf(
                        Locale.ROOT,
                        "  %10d  %-16s %s%n",
                        e.getValue(),
                        PrintableText.escape(e.getKey().vm()),
                        PrintableText.escape(e.getKey().path())));
    }

    private static void tallies(PrintWriter out, String heading, Map<String, Tally> tallies) {
        out.printf(Locale.ROOT, "%-18s %10s %10s %10s %10s%n", heading + ":", "requests", "allow", "deny", "refused");
        tallies.forEach((name, t) -> out.printf(
                Locale.ROOT,
                "  %-16s %10d %10d %10d %10d%n",
                PrintableText.escape(name),
                t.requests,
                t.allow,
                t.deny,
                t.refused));
    }

    private static void counts(PrintWriter out, String heading, Map<String, Long> counts) {
        out.println(heading + " (requests):");
        mostFirst(counts)
                .forEach(
                        e -> out.printf(Locale.ROOT, "  %-16s %10d%n", PrintableText.escape(e.getKey()), e.getValue()));
    }

    /** Largest count first; equal counts in the keys' order, so the output does not depend on hashing. */
    private static <K extends Comparable<? super K>> List<Map.Entry<K, Long>> mostFirst(Map<K, Long> counts) {
        return counts.entrySet().stream()
                .sorted(Map.Entry.<K, Long>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()))
                .toList();
    }

    private static String text(Instant t) {
        return t == null ? null : t.toString();
    }
}
