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

    /** Pairs each probe with a summary that counts it (into {@code claimed}); returns the probes none counts. */
    List<Probe> claim(List<Probe> probes, Map<Probe, Long> claimed) {
        List<Probe> unclaimed = new ArrayList<>();
        for (Probe p : probes) {
            int at = find(p);
            if (at < 0) {
                unclaimed.add(p);
            } else {
                room.set(at, room.get(at) - 1);
                claimed.put(p, summaries.get(at).seq());
            }
        }
        return unclaimed;
    }

    private int find(Probe p) {
        for (int i = 0; i < summaries.size(); i++) {
            AuditRecord r = summaries.get(i);
            if (room.get(i) > 0 && p.op().equals(r.op()) && p.recorded(r.errno()) && covers(r, p.path())) {
                return i;
            }
        }
        return -1;
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
