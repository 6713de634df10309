package io.p9gate.policy.model;

import io.p9gate.policy.ids.IdMap;

import java.util.Map;

/** One guest VM: how the transport recognises it, its id mapping and its shares by attach name. */
public record VmPolicy(String id, ListenerSpec listen, IdMap ids, Map<String, SharePolicy> shares, SourcePos pos) {
    public VmPolicy {
        shares = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(shares)); // file order
    }
}
