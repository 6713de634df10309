package io.p9gate.gateway.session;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The tags of one connection that are waiting for a reply, and the Tflush requests waiting for
 * them. Used on the event loop only. A bit set rather than a map: tags are u16, and a busy
 * connection should not box an Integer per request.
 */
final class TagTable {
    private final BitSet busy = new BitSet(1 << 16);
    private final Map<Integer, List<Integer>> flushesByOldTag = new HashMap<>();
    private int count;

    boolean contains(int tag) {
        return busy.get(tag);
    }

    int size() {
        return count;
    }

    boolean isEmpty() {
        return count == 0;
    }

    void add(int tag) {
        busy.set(tag);
        count++;
    }

    /** Marks a Tflush as waiting for the reply to {@code oldTag}. */
    void addFlush(int flushTag, int oldTag) {
        add(flushTag);
        flushesByOldTag.computeIfAbsent(oldTag, t -> new ArrayList<>(1)).add(flushTag);
    }

    /** Whether a Tflush waits for the reply to {@code oldTag}. */
    boolean flushed(int oldTag) {
        return flushesByOldTag.containsKey(oldTag);
    }

    /** Frees the tag and returns the Tflush tags that waited for it (to be answered now). */
    List<Integer> remove(int tag) {
        if (busy.get(tag)) {
            busy.clear(tag);
            count--;
        }
        List<Integer> flushes = flushesByOldTag.isEmpty() ? null : flushesByOldTag.remove(tag);
        return flushes == null ? List.of() : flushes;
    }
}
