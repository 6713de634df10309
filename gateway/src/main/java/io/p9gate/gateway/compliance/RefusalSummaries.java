package io.p9gate.gateway.compliance;

import io.p9gate.audit.read.AbbreviatedPath;
import io.p9gate.audit.read.AuditRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The gateway's refusal budget (docs/audit-format.md, "Refusal budget") writes the first refusal of a kind per
 * window as its own record and later identical ones only as a summary ({@code count} N, {@code repeat_of=SEQ}),
 * or, past 64 kinds, as one summary per op and errno at the deepest common directory ({@code paths=varied}).
 * A probe whose refusal has no record of its own must be one of the requests such a summary counts: each
 * summary can account for at most {@code count} probes, so the counts still have to add up.
 */
final class RefusalSummaries {
    private final List<AuditRecord> summaries = new ArrayList<>();
    /** How many probes each summary can account for: its {@code count}. */
    private final List<Long> room = new ArrayList<>();

    RefusalSummaries(String vm, List<AuditRecord> records) {
        for (AuditRecord r : records) {
            if (vm.equals(r.vm())
                    && r.isDecision()
                    && r.detail() != null
                    && (lastWord(r.detail()).startsWith("repeat_of=") || varied(r))) {
                summaries.add(r);
                room.add(r.requests());
            }
        }
    }

    /**
     * A summary's mark is the detail's last word (docs/audit-format.md): a word inside a request's own detail, such as
     * an escaped guest name holding "repeat_of=", does not make it one.
     */
    private static String lastWord(String detail) {
        return detail.substring(detail.lastIndexOf(' ') + 1);
    }

    private static boolean varied(AuditRecord r) {
        return lastWord(r.detail()).equals("paths=varied");
    }

    /**
     * Pairs each probe with a summary that counts it (into {@code claimed}); returns the probes none counts. As many
     * as any pairing can: a probe two summaries cover may take the room of the only one that covers a later probe (a
     * window over budget writes one summary per op, errno, decision and rules, and a hidden walk's ENOENT fits the
     * allowed walks' summary at "/" as well as its own), so a probe finding no room moves those holding it elsewhere.
     * First by op, errno, path, decision and rules; then a probe left over is paired by op, errno and path alone,
     * into {@code loosely} with its summary too, to be compared as a record of its own is ({@link AuditChecks}): a
     * decision other than the policy's is then the probe's own check's failure, not a missing record (a gateway
     * that allowed a hidden walk failed audit/records as well, "no record of walk", wherever the walk fell into a
     * summary: WeakenedPolicyComplianceTest, now and then).
     */
    List<Probe> claim(List<Probe> probes, Map<Probe, Long> claimed, Map<Probe, AuditRecord> loosely) {
        List<List<Probe>> holders = new ArrayList<>();
        for (int i = 0; i < summaries.size(); i++) {
            holders.add(new ArrayList<>());
        }
        List<Probe> leftOver = new ArrayList<>();
        for (Probe p : probes) {
            if (!place(p, holders, new boolean[summaries.size()], true)) {
                leftOver.add(p);
            }
        }
        List<Probe> unclaimed = new ArrayList<>();
        for (Probe p : leftOver) {
            if (!place(p, holders, new boolean[summaries.size()], false)) {
                unclaimed.add(p);
            }
        }
        for (int i = 0; i < summaries.size(); i++) {
            for (Probe p : holders.get(i)) {
                claimed.put(p, summaries.get(i).seq());
                if (!counts(summaries.get(i), p, true)) {
                    loosely.put(p, summaries.get(i));
                }
            }
        }
        return unclaimed;
    }

    /** Puts {@code p} on a summary with room, or on a full one whose holder moves to another (an augmenting path). */
    private boolean place(Probe p, List<List<Probe>> holders, boolean[] tried, boolean strict) {
        for (int i = 0; i < summaries.size(); i++) {
            if (!tried[i]
                    && counts(summaries.get(i), p, strict)
                    && holders.get(i).size() < room.get(i)) {
                holders.get(i).add(p);
                return true;
            }
        }
        for (int i = 0; i < summaries.size(); i++) {
            if (tried[i] || !counts(summaries.get(i), p, strict)) {
                continue;
            }
            tried[i] = true;
            List<Probe> on = holders.get(i);
            for (int h = 0; h < on.size(); h++) {
                Probe moved = on.get(h);
                if (place(moved, holders, tried, strict)) {
                    on.set(h, p);
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * Whether {@code summary} may count {@code p}: its op, errno and path, and, as a record of its own is compared, the
     * policy's decision and for a refusal one of the rules the policy refuses it by (a summary is written per op, errno,
     * decision and rules). Before, a hidden walk was counted by a summary of allowed walks the host failed with ENOENT
     * (SummaryDecisionMatchTest).
     */
    private static boolean counts(AuditRecord summary, Probe p, boolean strict) {
        return p.op().equals(summary.op())
                && p.recorded(summary.errno())
                && covers(summary, p.path())
                && (!strict || sameDecision(summary, p));
    }

    private static boolean sameDecision(AuditRecord summary, Probe p) {
        return (p.decision() == null || p.decision().equals(summary.decision()))
                && (!"deny".equals(p.decision())
                        || p.refusedBy().isEmpty()
                        || summary.rules() != null && summary.rules().stream().anyMatch(p.refusedBy()::contains));
    }

    /**
     * Whether the summary counts a request at {@code path}: its own path, or for {@code paths=varied} one below its
     * common directory. A path past 4,095 bytes is recorded abbreviated (docs/audit-format.md): it is compared in
     * that form, and an abbreviated directory with each ancestor of {@code path} long enough to be abbreviated.
     */
    private static boolean covers(AuditRecord summary, String path) {
        String at = summary.path();
        if (at == null) {
            return false;
        }
        if (AbbreviatedPath.names(at, path)) {
            return true;
        }
        if (!varied(summary)) {
            return false;
        }
        if (AbbreviatedPath.of(at).isEmpty()) {
            return at.equals("/") || path.startsWith(at + "/");
        }
        for (int slash = path.lastIndexOf('/'); slash > 0; slash = path.lastIndexOf('/', slash - 1)) {
            if (AbbreviatedPath.names(at, path.substring(0, slash))) {
                return true;
            }
        }
        return false;
    }
}
