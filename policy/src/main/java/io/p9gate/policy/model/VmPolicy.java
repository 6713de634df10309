package io.p9gate.policy.model;

import io.p9gate.policy.ids.IdMap;

import java.util.Map;

/**
 * One guest VM: how the transport recognises it, its id mapping, its shares by attach name and the resource
 * budgets it sets ({@link VmLimits#NONE}: all derived by the gateway).
 */
public record VmPolicy(String id, ListenerSpec listen, IdMap ids, Map<String, SharePolicy> shares, SourcePos pos,
                       VmLimits limits) {
    public VmPolicy {
        shares = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(shares)); // file order
    }

    /** Without limits of its own. */
    public VmPolicy(String id, ListenerSpec listen, IdMap ids, Map<String, SharePolicy> shares, SourcePos pos) {
        this(id, listen, ids, shares, pos, VmLimits.NONE);
    }
}
