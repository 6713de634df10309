package io.p9gate.audit.cli;

/** A problem with the user's input or files: reported as one line, with the given exit code, never a trace. */
final class UserError extends Exception {
    private final int exitCode;

    UserError(String message, int exitCode) {
        super(message);
        this.exitCode = exitCode;
    }

    int exitCode() {
        return exitCode;
    }
}
