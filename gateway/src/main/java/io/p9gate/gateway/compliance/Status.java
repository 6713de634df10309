package io.p9gate.gateway.compliance;

/** How one check ended. A check that could not run is {@link #SKIPPED} with its reason, never passed. */
public enum Status {
    PASSED,
    FAILED,
    SKIPPED;

    /** The lower-case word used in reports ({@code passed}, {@code failed}, {@code skipped}). */
    public String word() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
