package io.p9gate.policy.quota;

import java.nio.file.Path;

/**
 * Where, and why, a scan of a quota scope could not see all of it: the scope then counts as full (fail closed) until a
 * later scan sees all of it. A guest makes both kinds in its own scope, so neither may stop the gateway's start or a
 * reload; what the operator does about it is in {@link Cause#remedy}.
 *
 * @param where the first directory the scan could not enter, on the host
 */
public record ScanGap(Path where, Cause cause) {

    /** Why the scan stopped there. */
    public enum Cause {
        /** Deeper than {@link UsageScanner#MAX_LEVELS} levels or {@link UsageScanner#MAX_PATH_BYTES} bytes of path. */
        TOO_DEEP("deeper than the scan enters (1,024 levels or 32 KiB of path)", "remove or flatten that tree"),
        /** EACCES: the gateway's user may not open, list or look into the directory. */
        PERMISSION_DENIED(
                "permission denied (EACCES) to the gateway's user",
                "make that directory readable and searchable by the gateway's user, or remove it"),
        /** EPERM: refused whatever the mode bits say (a security module, say). */
        NOT_PERMITTED(
                "operation not permitted (EPERM) to the gateway's user",
                "let the gateway's user read it, or remove it");

        private final String reason;
        private final String remedy;

        Cause(String reason, String remedy) {
            this.reason = reason;
            this.remedy = remedy;
        }

        /** Why, in words. */
        public String reason() {
            return reason;
        }

        /** What the operator does on the host before the next reload. */
        public String remedy() {
            return remedy;
        }
    }
}
