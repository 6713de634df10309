package io.p9gate.audit.verify;

import io.p9gate.audit.note.VerifierKey;
import io.p9gate.audit.read.LineHeader;
import io.p9gate.audit.read.RunMark;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;

/**
 * Which trusted key may sign a checkpoint, from the keys the log's runs name (docs/audit-format.md, "Keys"). A
 * checkpoint of size n must be signed by the key of the run that wrote record n-1 (the {@code key=} of its start
 * record), or, for the checkpoints a crash left unsigned, by a key that the openings after it name (their start's
 * key, or the key a {@code key_change} retires): a restart signs them with its own key before anything else. A
 * key that a run's start replaced is retired for good: whoever still holds it (an old ECU image, a leaked key)
 * signs nothing that covers later records. Before, any trusted key's signature anchored any records, so a retired
 * key could re-sign a rewritten tail of its successor's run and verify said OK.
 *
 * <p>Kept: the retired keys among the trusted ones, the names of the openings since the first waiting note, and
 * the notes waiting for them (a crash leaves a few; beyond {@link #WAITING} a note is refused at once).
 */
final class KeyEras {
    static final int WAITING = 10_000;

    private final Set<String> trusted = new HashSet<>();
    private final FindingList findings;
    /** Called for a waiting note once it may anchor, with whether it matched the records. */
    private final BiConsumer<TrustedCheckpoint, Boolean> anchors;
    /** The key of the run being read, or null before the first start record. */
    private String current;
    /** The seq of the start record that named {@link #current}. */
    private long currentSince = -1;
    /** Retired trusted keys, and the seq of the start record that replaced each. */
    private final Map<String, Long> retired = new HashMap<>();
    /**
     * Trusted keys named by the openings read since the first waiting note (a crash while opening makes several).
     * Only a trusted key signs a waiting note, so others are not kept: a doctored tail of linked starts, each naming
     * a key of its own, grew this by one name a line (KeyErasBoundTest).
     */
    private final Set<String> named = new HashSet<>();
    /** Whether a run's start came after the first waiting note: the next record no opening writes settles them. */
    private boolean opened;

    private final List<Waiting> waiting = new ArrayList<>();
    /** Notes refused: signed, but by no key allowed to sign the records they cover. */
    int refused;

    private record Waiting(TrustedCheckpoint note, boolean matches, String runKey, long lastSeq) {}

    KeyEras(List<VerifierKey> keys, FindingList findings, BiConsumer<TrustedCheckpoint, Boolean> anchors) {
        keys.forEach(k -> trusted.add(k.label()));
        this.findings = findings;
        this.anchors = anchors;
    }

    /**
     * A note reached at its size: the record before that size is the last it covers.
     *
     * @return true when it may anchor now; false when it waits for the next openings (signed by another key than
     *     its run's) or was refused with a finding
     */
    boolean judge(TrustedCheckpoint t, boolean matches) {
        long lastSeq = t.size() - 1;
        if (current == null || t.size() == 0) {
            return true; // no run named a key yet: nothing to bind it to
        }
        if (signedBy(t, current) && !retired.containsKey(current)) {
            return true;
        }
        boolean allRetired = t.signers().stream().allMatch(k -> retired.containsKey(k.label()));
        if (allRetired || waiting.size() >= WAITING) {
            refuse(t, lastSeq, current);
        } else {
            waiting.add(new Waiting(t, matches, current, lastSeq));
        }
        return false;
    }

    /** A record in its place: a run's start names its key, a key change the key it retires. */
    void record(LineHeader h) {
        if (h.mark() == RunMark.LOG_START) {
            String key = h.namedKey();
            if (current != null && !current.equals(key)) {
                retire(current, h.seq());
            }
            current = key;
            currentSince = h.seq();
            opened = !waiting.isEmpty();
            name(key);
        } else if ("key_change".equals(h.type())) {
            String from = h.namedKey();
            if (from != null && !from.equals(current)) {
                retire(from, currentSince); // a run that crashed while opening signed with it
            }
            name(from);
        } else if (h.mark() != RunMark.OPEN_CHECKPOINT && opened) {
            settle(); // a record no opening writes: the openings that could have signed the waiting notes are over
        }
    }

    /** At the end of the log: the waiting notes no opening's key signed are refused. */
    void finish() {
        settle();
    }

    private void name(String key) {
        if (!waiting.isEmpty() && key != null && trusted.contains(key)) {
            named.add(key);
        }
    }

    private void retire(String key, long seq) {
        if (trusted.contains(key)) {
            retired.putIfAbsent(key, seq);
        }
    }

    private void settle() {
        for (Waiting w : waiting) {
            if (w.note().signers().stream().anyMatch(k -> named.contains(k.label()))) {
                anchors.accept(w.note(), w.matches());
            } else {
                refuse(w.note(), w.lastSeq(), w.runKey());
            }
        }
        waiting.clear();
        named.clear();
        opened = false;
    }

    /** How many keys the openings since the first waiting note named, as kept. */
    int keysNamed() {
        return named.size();
    }

    private static boolean signedBy(TrustedCheckpoint t, String key) {
        return t.signers().stream().anyMatch(k -> k.label().equals(key));
    }

    private void refuse(TrustedCheckpoint t, long lastSeq, String runKey) {
        refused++;
        String signer = t.signers().getFirst().label();
        Long retiredAt = t.signers().stream()
                .map(k -> retired.get(k.label()))
                .filter(s -> s != null)
                .findFirst()
                .orElse(null);
        findings.add(new Finding.NotRunKey(
                t.source(), t.size(), signer, runKey, lastSeq, retiredAt == null ? -1 : retiredAt));
    }
}
