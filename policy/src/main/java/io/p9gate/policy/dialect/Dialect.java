package io.p9gate.policy.dialect;

import java.util.Locale;
import java.util.Optional;

/**
 * A 9P dialect a VM's sessions may negotiate (R-PROTO-7), as the policy's {@code dialects:} list names it. The
 * gateway maps each to the version string its Tversion answers. A package of its own, below both the model and the
 * loader, so that neither gains a dependency inside the cycles frozen in the architecture store.
 */
public enum Dialect {
    /** 9P2000.L, the Linux client's dialect. */
    L("9p2000.L"),
    /** 9P2000.u, the Unix extensions (numeric ids, symlinks and devices). */
    U("9p2000.u"),
    /** Plain 9P2000 of the Plan 9 manual. */
    LEGACY("9p2000");

    private final String policyName;

    Dialect(String policyName) {
        this.policyName = policyName;
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
