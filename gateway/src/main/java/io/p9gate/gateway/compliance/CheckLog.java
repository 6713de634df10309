package io.p9gate.gateway.compliance;

import io.p9gate.audit.read.PrintableText;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/** The results so far, each printed as one progress line the moment it is known. */
final class CheckLog {
    private final List<CheckResult> results = new ArrayList<>();
    /** The requests whose audit records a result cites (its decisive ones). */
    private final Map<CheckResult, List<Probe>> decisive = new IdentityHashMap<>();

    private final PrintWriter progress;

    CheckLog(PrintWriter progress) {
        this.progress = progress;
    }

    void add(CheckResult result) {
        add(result, List.of());
    }

    void add(CheckResult result, List<Probe> decisiveProbes) {
        results.add(result);
        decisive.put(result, List.copyOf(decisiveProbes));
        progress.println(line(result));
        progress.flush();
    }

    /**
     * A line of its own for what is about to happen (a VM, a share), so a slow step is not a silent one. Escaped: it
     * names the policy's image and directories, which need not be the operator's own.
     */
    void say(String text) {
        progress.println(PrintableText.escape(text));
        progress.flush();
    }

    /** A result's line again (one the audit log contradicted, after it was first printed). */
    void sayResult(CheckResult result) {
        progress.println(line(result));
        progress.flush();
    }

    List<CheckResult> results() {
        return List.copyOf(results);
    }

    List<Probe> decisiveProbes(CheckResult result) {
        return decisive.getOrDefault(result, List.of());
    }

    static String line(CheckResult r) {
        String word = switch (r.status()) {
            case PASSED -> "pass";
            case FAILED -> "FAIL";
            case SKIPPED -> "skip";
        };
        StringBuilder b =
                new StringBuilder(String.format("%-4s %-9s %s: %s", word, r.requirement(), r.id(), r.title()));
        if (!r.seen().isEmpty() && r.status() != Status.SKIPPED) {
            b.append(" -> ").append(r.seen());
        }
        if (r.status() != Status.PASSED && !r.message().isEmpty()) {
            b.append(" (").append(r.message()).append(')');
        }
        // Titles and notes name what guests made: their control characters must not drive the operator's terminal.
        return PrintableText.escape(b.toString());
    }
}
