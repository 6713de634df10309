package io.p9gate.audit.verify;

/**
 * Classes of verifier findings with their exit codes. When several classes are found, the exit code is that of
 * the class declared first here (the most far-reaching evidence first).
 */
public enum FindingClass {
    FORK(8),
    TRUNCATED(7),
    BAD_SIGNATURE(10),
    UNKNOWN_KEY(9),
    DELETED(5),
    INSERTED(4),
    REORDERED(6),
    MODIFIED(3),
    MALFORMED(11);

    /** Exit code of a clean log (an unanchored tail left by a crash is not a finding). */
    public static final int OK = 0;
    /** Exit code when the log cannot be read at all (missing directory, I/O error). */
    public static final int IO_ERROR = 1;
    /** Exit code for bad command-line input (picocli's usage error code). */
    public static final int USAGE = 2;

    private final int exitCode;

    FindingClass(int exitCode) {
        this.exitCode = exitCode;
    }

    public int exitCode() {
        return exitCode;
    }
}
