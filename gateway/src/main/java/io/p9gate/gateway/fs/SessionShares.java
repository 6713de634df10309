package io.p9gate.gateway.fs;

import io.p9gate.gateway.backend.LocalShare;
import java.util.Map;

/**
 * The shares one session's VM may attach, by name, as the session factory opened them. Opaque outside the guarded
 * layer: the operations layer only hands them to {@link GuardedFs#attach}.
 */
public final class SessionShares {
    private final Map<String, LocalShare> byName;

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
}
