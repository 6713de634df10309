package io.p9gate.gateway.fs;

import io.p9gate.gateway.backend.LocalShare;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The shares one session's VM may attach, by name, as the session factory opened them, and which of them the
 * session attached. Opaque outside the guarded layer: the operations layer only hands them to
 * {@link GuardedFs#attach}.
 */
public final class SessionShares {
    private final Map<String, LocalShare> byName;
    /**
     * Share name to the attaches of it that succeeded or are under way. Counted before the attach is decided, so that
     * a reload that takes the share away, and then asks {@link #attached}, either sees the attach or made its decision
     * a refusal; a refused attach is taken back.
     */
    private final Map<String, Integer> attaches = new ConcurrentHashMap<>();

    /** @param byName the VM's shares by their names (the iteration order is kept) */
    public SessionShares(Map<String, LocalShare> byName) {
        this.byName = Map.copyOf(byName);
    }

    /**
     * The share {@code aname} names; an empty aname names the only share when there is exactly one. Null if none.
     */
    LocalShare named(String aname) {
        LocalShare named = byName.get(aname);
        return named == null && aname.isEmpty() && byName.size() == 1
                ? byName.values().iterator().next()
                : named;
    }

    /** An attach of {@code share} begins: until {@link #refused}, the session may hold files in it. */
    void attaching(LocalShare share) {
        attaches.merge(share.name(), 1, Integer::sum);
    }

    /** The attach of {@code share} that {@link #attaching} counted was refused: it holds nothing there. */
    void refused(LocalShare share) {
        attaches.computeIfPresent(share.name(), (name, n) -> n == 1 ? null : n - 1);
    }

    /**
     * The names of the shares the session attached (or is attaching): it may hold fids, open files and locks in
     * them until it ends. Safe to call from any thread.
     */
    public Set<String> attached() {
        return Set.copyOf(attaches.keySet());
    }
}
