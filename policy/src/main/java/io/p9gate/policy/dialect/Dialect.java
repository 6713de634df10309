package io.p9gate.policy.dialect;

import java.util.Locale;
import java.util.Optional;

/**
 * A 9P dialect (R-PROTO-7): what a VM's sessions may negotiate, as the policy's {@code dialects:} list names it,
 * and what a session negotiated, as Tversion spells it. One concept, one type: the gateway's sessions, codec and
 * operations use it too (issue 12). A package of its own, below both the model and the loader, so that neither
 * gains a dependency inside the cycles frozen in the architecture store.
 */
public enum Dialect {
    /** 9P2000.L, the Linux client's dialect. */
    L("9p2000.L", "9P2000.L"),
    /** 9P2000.u, the Unix extensions (numeric ids, symlinks and devices, errno in Rerror). */
    U("9p2000.u", "9P2000.u"),
    /** Plain 9P2000 of the Plan 9 manual, section 5. */
    LEGACY("9p2000", "9P2000");

    private final String policyName;
    private final String version;

    Dialect(String policyName, String version) {
        this.policyName = policyName;
        this.version = version;
    }

    /** The version string Tversion and Rversion carry for this dialect (version(5)). */
    public String version() {
        return version;
    }

    /** The name the policy file uses. */
    public String policyName() {
        return policyName;
    }

    /** The dialect a policy names, case ignored (the letters .L and .u cannot be confused). */
    public static Optional<Dialect> named(String name) {
        String wanted = name.trim().toLowerCase(Locale.ROOT);
        for (Dialect d : values()) {
            if (d.policyName.toLowerCase(Locale.ROOT).equals(wanted)) {
                return Optional.of(d);
            }
        }
        return Optional.empty();
    }
}
