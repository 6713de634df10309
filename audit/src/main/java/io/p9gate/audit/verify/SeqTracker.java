package io.p9gate.audit.verify;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Classifies sequence numbers as they are read: the next expected one is normal; one from a gap seen earlier is
 * a reordered record; any other one already seen is a duplicate (insertion). Gaps left at the end are deletions.
 * Memory is proportional to the anomalies, not to the log.
 */
final class SeqTracker {
    enum Verdict {
        NORMAL,
        AHEAD,
        LATE,
        DUPLICATE
    }

    /**
     * Gaps and runs of late records kept each (about 72 bytes a gap): a doctored log chooses how many it holds, and one
     * line of 95 bytes per gap ran the verifier out of memory on a log of some hundreds of MB (exit 70, no verdict).
     * Beyond this many, a gap is reported at once as a deletion and a late record as a reordering, and a record that
     * later falls into such a gap reads as inserted.
     */
    static final int TRACKED = 10_000;

    /** Open gaps, start -> end inclusive. */
    private final TreeMap<Long, Long> gaps = new TreeMap<>();

    private final List<long[]> late = new ArrayList<>();
    /** The gaps and late records beyond {@link #TRACKED}: listed up to a class's limit, then counted. */
    private final FindingList untracked = new FindingList();

    private long expected;

    /**
     * The largest seq there is was seen: nothing can follow it, {@link #expected} stays there. One past it
     * overflowed, and a doctored record claiming it was reported as a negative range of deletions.
     */
    private boolean exhausted;

    /** What was expected before the last {@link #accept}, and how that record was classified. */
    private long expectedBeforeLast;

    private Verdict lastVerdict;

    Verdict accept(long seq) {
        expectedBeforeLast = expected;
        lastVerdict = classify(seq);
        return lastVerdict;
    }

    /**
     * Takes the record accepted last as the one that was due there (returned), when it claimed a seq ahead of it
     * or one already seen and {@code next}, the seq of the record after it, follows the one due: the caller has
     * found that record's seq edited. The gap it opened is closed (no deletion); a duplicate changed nothing here.
     * -1 when the evidence does not allow it (any other case, or a gap beyond {@link #TRACKED}, already reported).
     */
    long retractEdited(long next) {
        long due = expectedBeforeLast;
        if (due == Long.MAX_VALUE || next != due + 1) {
            return -1;
        }
        switch (lastVerdict) {
            case AHEAD -> {
                if (gaps.remove(due) == null) { // only that record opened a gap at the seq that was due
                    return -1;
                }
            }
            case DUPLICATE -> {}
            case NORMAL, LATE -> {
                return -1;
            }
        }
        advancePast(due); // lastVerdict: the caller's next accept sets it
        return due;
    }

    private Verdict classify(long seq) {
        if (seq == expected && !exhausted) {
            advancePast(seq);
            return Verdict.NORMAL;
        }
        if (seq > expected) {
            if (gaps.size() < TRACKED) {
                gaps.put(expected, seq - 1);
            } else {
                untracked.add(new Finding.Deleted(expected, seq - 1));
            }
            advancePast(seq);
            return Verdict.AHEAD;
        }
        Map.Entry<Long, Long> gap = gaps.floorEntry(seq);
        if (gap == null || gap.getValue() < seq) {
            return Verdict.DUPLICATE;
        }
        gaps.remove(gap.getKey());
        if (gap.getKey() < seq) {
            gaps.put(gap.getKey(), seq - 1);
        }
        if (seq < gap.getValue()) {
            gaps.put(seq + 1, gap.getValue());
        }
        if (!late.isEmpty() && late.getLast()[1] == seq - 1) {
            late.getLast()[1] = seq;
        } else if (late.size() < TRACKED) {
            late.add(new long[] {seq, seq});
        } else {
            untracked.add(new Finding.Reordered(seq, seq));
        }
        return Verdict.LATE;
    }

    private void advancePast(long seq) {
        exhausted = seq == Long.MAX_VALUE;
        expected = exhausted ? seq : seq + 1;
    }

    /** One past the highest sequence number seen ({@link Long#MAX_VALUE} once that was seen). */
    long end() {
        return expected;
    }

    FindingList findings() {
        FindingList out = new FindingList();
        late.forEach(r -> out.add(new Finding.Reordered(r[0], r[1])));
        gaps.forEach((from, to) -> out.add(new Finding.Deleted(from, to)));
        out.addAll(untracked);
        return out;
    }
}
