package io.p9gate.gateway.fuzz;

import io.p9gate.audit.read.AuditRecord;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Which decision records the audited gateway's log must hold for the requests sent: one per decided request
 * (docs/filesystem.md: every request that names a path or a share; not the shape refusals of an unknown fid, a fid in
 * use, I/O on a fid not open for it), never two, and none for a request that was not sent. A change that fails has
 * an outcome record besides its intent; repeated refusals may stand in one summary record (docs/audit-format.md).
 */
final class AuditExpectations {
    private AuditExpectations() {}

    static List<String> check(List<DifferentialRun.Sent> sent, List<AuditRecord> records) {
        return check(sent, records, label -> false);
    }

    /**
     * As {@link #check(List, List)}, where a request whose label {@code composite} accepts may have up to three
     * decision records, none the same twice: 9P2000 and 9P2000.u's Tcreate, Twstat, Tstat and Topen are made of the
     * 9P2000.L requests that do the same, each decided and recorded as its twin (docs/protocol.md); the reply's errno
     * is then the last one's.
     */
    static List<String> check(
            List<DifferentialRun.Sent> sent,
            List<AuditRecord> records,
            java.util.function.Predicate<String> composite) {
        List<String> problems = new ArrayList<>();
        Map<Long, Integer> connOfSession = new LinkedHashMap<>();
        Map<String, List<AuditRecord>> byRequest = new HashMap<>();
        for (AuditRecord r : records) {
            if (!"decision".equals(r.type())) {
                continue;
            }
            connOfSession.putIfAbsent(r.session(), connOfSession.size());
            byRequest
                    .computeIfAbsent(connOfSession.get(r.session()) + "/" + r.tag(), k -> new ArrayList<>())
                    .add(r);
        }
        Map<String, Integer> unrecorded = new TreeMap<>();
        for (DifferentialRun.Sent s : sent) {
            List<AuditRecord> mine = byRequest.remove(s.conn() + "/" + s.tag());
            List<AuditRecord> decisions = mine == null
                    ? List.of()
                    : mine.stream().filter(r -> !isOutcome(r)).toList();
            List<AuditRecord> outcomes = mine == null
                    ? List.of()
                    : mine.stream().filter(AuditExpectations::isOutcome).toList();
            boolean several = composite.test(s.label());
            long distinct = decisions.stream()
                    .map(r -> r.op() + " " + r.path() + " " + r.detail())
                    .distinct()
                    .count();
            if (several
                    ? decisions.size() > 3 || distinct < decisions.size()
                    : decisions.size() > 1 || outcomes.size() > 1) {
                problems.add(mine.size() + " records for " + s.label() + " (" + s.shape() + "): " + mine);
            } else if (decisions.isEmpty()) {
                if (!s.flushed() && !s.shape().startsWith("Rlerror")) {
                    problems.add("no decision record for " + s.label() + " answered " + s.shape());
                }
                unrecorded.merge(s.label().replaceAll("\\[.*", "") + " " + s.shape(), 1, Integer::sum);
            } else if (!s.flushed()
                    && !s.shape().startsWith("Rwalk")
                    && !s.shape().startsWith("Rlock")) {
                AuditRecord last = outcomes.isEmpty()
                        ? several ? lastRefusal(decisions) : decisions.getFirst()
                        : outcomes.getLast();
                // A composite's refusal may stand in a summary record, or be a shape refusal (an unknown fid) after
                // its first decisions, which records none: its own records then all say 0.
                boolean unrecordedRefusal =
                        several && last.errno() == 0 && !errnoOf(s.shape()).equals("0");
                if (!unrecordedRefusal && !errnoOf(s.shape()).equals(String.valueOf(last.errno()))) {
                    problems.add("the record of " + s.label() + " says errno " + last.errno() + ", the reply "
                            + s.shape() + ": " + last);
                }
            }
        }
        byRequest.forEach((k, v) -> problems.add("decision records for no request sent (" + k + "): " + v));
        System.out.println("not recorded: " + unrecorded);
        return problems;
    }

    /** The last record with an errno, or the last record. */
    private static AuditRecord lastRefusal(List<AuditRecord> decisions) {
        return decisions.reversed().stream()
                .filter(r -> r.errno() != null && r.errno() != 0)
                .findFirst()
                .orElse(decisions.getLast());
    }

    private static boolean isOutcome(AuditRecord r) {
        return r.detail() != null && r.detail().contains("phase=outcome");
    }

    private static String errnoOf(String shape) {
        if (!shape.startsWith("Rlerror ")) {
            return "0";
        }
        return String.valueOf(
                io.p9gate.gateway.proto.Errno.valueOf(shape.substring(8)).code());
    }
}
