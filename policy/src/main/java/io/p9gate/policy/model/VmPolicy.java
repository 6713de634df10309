package io.p9gate.policy.model;

import io.p9gate.policy.dialect.Dialect;
import io.p9gate.policy.ids.IdMap;
import java.util.Collections;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * One guest VM: how the transport recognises it, its id mapping, its shares by attach name, the resource
 * budgets it sets ({@link VmLimits#NONE}: all derived by the gateway) and the 9P dialects its sessions may negotiate
 * (never empty; all of them unless the policy lists some).
 */
public record VmPolicy(
        String id,
        ListenerSpec listen,
        IdMap ids,
        Map<String, SharePolicy> shares,
        SourcePos pos,
        VmLimits limits,
        Set<Dialect> dialects) {
    public VmPolicy {
        shares = Collections.unmodifiableMap(new LinkedHashMap<>(shares)); // file order
        if (dialects.isEmpty()) {
            throw new IllegalArgumentException("VM '" + id + "' must allow at least one dialect");
        }
        dialects = Collections.unmodifiableSet(EnumSet.copyOf(dialects));
    }

    /** Every dialect allowed. */
    public VmPolicy(
            String id,
            ListenerSpec listen,
            IdMap ids,
            Map<String, SharePolicy> shares,
            SourcePos pos,
            VmLimits limits) {
        this(id, listen, ids, shares, pos, limits, EnumSet.allOf(Dialect.class));
    }

    /** Without limits of its own. */
    public VmPolicy(String id, ListenerSpec listen, IdMap ids, Map<String, SharePolicy> shares, SourcePos pos) {
        this(id, listen, ids, shares, pos, VmLimits.NONE);
    }
}
