package io.p9gate.audit.verify;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * The findings a verification lists: at most {@value #LISTED_PER_CLASS} of each class, the rest only counted. A
 * doctored log decides how many anomalies there are (three million garbage lines are 6 MB), and one stored finding
 * per anomaly ran the verifier out of memory and printed millions of lines. Every class found keeps at least one
 * finding, so the exit code is the same, and the ones kept are the first read, the earliest in the log.
 */
final class FindingList {
    static final int LISTED_PER_CLASS = 1000;

    private final List<Finding> listed = new ArrayList<>();
    private final EnumMap<FindingClass, Long> found = new EnumMap<>(FindingClass.class);
    private final EnumMap<FindingClass, Long> omitted = new EnumMap<>(FindingClass.class);

    void add(Finding f) {
        FindingClass c = f.findingClass();
        if (found.merge(c, 1L, Long::sum) <= LISTED_PER_CLASS) {
            listed.add(f);
        } else {
            omitted.merge(c, 1L, Long::sum);
        }
    }

    void addAll(List<Finding> findings) {
        findings.forEach(this::add);
    }

    /** Adds what {@code other} listed, and counts what it only counted. */
    void addAll(FindingList other) {
        addAll(other.listed);
        other.omitted.forEach((c, n) -> {
            found.merge(c, n, Long::sum);
            omitted.merge(c, n, Long::sum);
        });
    }

    /** Takes back {@code f}, added last of its class: later evidence explained it otherwise. */
    void retract(Finding f) {
        FindingClass c = f.findingClass();
        if (found.merge(c, -1L, Long::sum) >= LISTED_PER_CLASS) {
            omitted.merge(c, -1L, Long::sum);
        } else {
            listed.remove(listed.lastIndexOf(f));
        }
        found.remove(c, 0L);
        omitted.remove(c, 0L);
    }

    /** The findings kept, in the order added. */
    List<Finding> listed() {
        return Collections.unmodifiableList(listed);
    }

    /** Per class, the findings counted but not listed. */
    Map<FindingClass, Long> omitted() {
        return Map.copyOf(omitted);
    }
}
