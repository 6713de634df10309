package io.p9gate.policy.model;

import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.OptionalLong;

/** The {@code limits:} a policy sets for one VM; the ones it leaves out are derived by the gateway. */
public record VmLimits(Map<Limit, Long> given) {
    public static final VmLimits NONE = new VmLimits(Map.of());

    public VmLimits {
        EnumMap<Limit, Long> copy = new EnumMap<>(Limit.class);
        copy.putAll(given);
        given = Collections.unmodifiableMap(copy);
    }

    public OptionalLong get(Limit limit) {
        Long v = given.get(limit);
        return v == null ? OptionalLong.empty() : OptionalLong.of(v);
    }
}
