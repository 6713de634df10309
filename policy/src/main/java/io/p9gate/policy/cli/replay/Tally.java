package io.p9gate.policy.cli.replay;

import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Request counts by a name (a VM, an operation, a rule, a reason), largest first when listed. */
public final class Tally {
    private final Map<String, long[]> counts = new LinkedHashMap<>();
    private long total;

    void add(String name, long requests) {
        counts.computeIfAbsent(name, k -> new long[1])[0] += requests;
        total += requests;
    }

    /** The sum over all names (a request filed under several rules counts once here). */
    public long total() {
        return total;
    }

    /** Names with their counts, largest first, then by name. */
    public List<Map.Entry<String, Long>> largestFirst() {
        return counts.entrySet().stream()
                .map(e -> Map.entry(e.getKey(), e.getValue()[0]))
                .sorted(Map.Entry.<String, Long>comparingByValue(Comparator.reverseOrder())
                        .thenComparing(Map.Entry.comparingByKey()))
                .toList();
    }
}
