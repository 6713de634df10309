package io.p9gate.gateway.compliance;

import java.util.Locale;

/** How one check ended. A check that could not run is {@link #SKIPPED} with its reason, never passed. */
public enum Status {
    PASSED,
    FAILED,
    SKIPPED;

    /** The lower-case word used in reports ({@code passed}, {@code failed}, {@code skipped}). */
    public String word() {
        return name().toLowerCase(Locale.ROOT);
    }
}
