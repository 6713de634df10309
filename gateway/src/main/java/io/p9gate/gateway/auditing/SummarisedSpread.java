package io.p9gate.gateway.auditing;

import io.p9gate.audit.AuditEvent;
import io.p9gate.audit.DetailWords;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.StringJoiner;

/**
 * How the refusals a summary counts spread ({@link RepeatedRefusals}): from how many source addresses, the first
 * {@link #SHOWN} of them named, and, for a summary of kinds over the budget, how many kinds. Without it, 64 decoy
 * refusals a window buried a real probe in {@code peer=varied details=varied}: an operator could not tell one noisy
 * client from a second one probing, nor how many certificates were tried (auditing.RefusalFloodSpreadTest). Counted
 * up to {@link #COUNTED} each (a count of 64 is "64 or more"), so a window's flood holds a few KB per summary.
 */
final class SummarisedSpread {
    static final int COUNTED = 64;
    static final int SHOWN = DetailWords.SOURCES_SHOWN;

    /** The source addresses, first seen first. */
    private final Set<String> sources = new LinkedHashSet<>();
    /**
     * A 64-bit hash of each kind's path and detail but for its peer (a collision only lowers the count, never hides a
     * named source).
     */
    private final Set<Long> kinds = new HashSet<>();

    void add(AuditEvent.Decision refusal) {
        String source = PeerWord.source(refusal.detail());
        if (source != null && sources.size() < COUNTED) {
            sources.add(source);
        }
        if (kinds.size() < COUNTED) {
            kinds.add(hash(refusal.path() + " " + PeerWord.without(refusal.detail())));
        }
    }

    /**
     * The words a summary gets: {@code sources=N} and a {@code source=WORD} for each of the first shown, when its
     * refusals came from several peers; {@code kinds=N} for refusals of several kinds; each then followed by a space.
     */
    String words(boolean peerVaried, boolean ofKinds) {
        StringJoiner out = new StringJoiner(" ", "", " ").setEmptyValue("");
        if (ofKinds) {
            out.add("kinds=" + kinds.size());
        }
        if (peerVaried && !sources.isEmpty()) {
            out.add(DetailWords.SOURCES + sources.size());
            sources.stream().limit(SHOWN).forEach(s -> out.add(DetailWords.SOURCE + DetailWords.word(s)));
        }
        return out.toString();
    }

    /** FNV-1a, 64 bits: cheap per refusal, and no string kept. */
    private static long hash(String text) {
        long h = 0xcbf29ce484222325L;
        for (int i = 0; i < text.length(); i++) {
            h ^= text.charAt(i);
            h *= 0x100000001b3L;
        }
        return h;
    }
}
