package io.p9gate.audit;

/**
 * Logging that cannot take the audit log down with it. Under descriptor exhaustion the first record a JVM logs
 * can fail inside the backend itself (JUL's console handler loads the time zone file when it is first used),
 * and an {@link Error} escaping from a failure report would both hide the failure and escape the caller's
 * error handling; so a report that cannot be logged is printed to stderr, which needs no new descriptor.
 */
final class SafeLog {
    private SafeLog() {}

    static void report(System.Logger log, System.Logger.Level level, String message) {
        try {
            log.log(level, message);
        } catch (Throwable t) {
            System.err.println(
                    "p9gate: " + level + " " + log.getName() + ": " + message + " (logging failed: " + t + ")");
        }
    }
}
