package io.p9gate.audit.cli;

import java.io.Serial;

/** A problem with the user's input or files: reported as one line, with the given exit code, never a trace. */
final class UserError extends Exception {
    @Serial
    private static final long serialVersionUID = 1L;

    private final int exitCode;

    UserError(String message, int exitCode) {
        super(message);
        this.exitCode = exitCode;
    }

    int exitCode() {
        return exitCode;
    }
}
