package io.p9gate.audit.cli;

import java.io.Serial;

/** A problem with the user's input or files: reported as one line, with the given exit code, never a trace. */
final class UserError extends Exception {
    @Serial
    private static final long serialVersionUID = 1L;

    private final int exitCode;
    private final boolean badOption;

    UserError(String message, int exitCode) {
        this(message, exitCode, false);
    }

    private UserError(String message, int exitCode, boolean badOption) {
        super(message);
        this.exitCode = exitCode;
        this.badOption = badOption;
    }

    /** An option's value the command cannot use: a usage error, which ends with where to read more. */
    static UserError badOption(String message, int exitCode) {
        return new UserError(message, exitCode, true);
    }

    boolean badOption() {
        return badOption;
    }

    int exitCode() {
        return exitCode;
    }
}
