package io.p9gate.audit;

import java.io.IOException;
import java.io.Serial;

/**
 * The existing log does not continue cleanly (broken chain, wrong sequence, records that do not match the last
 * checkpoint). The log refuses to append to it; an operator runs {@code p9gate audit verify} and moves it aside.
 */
public final class LogInconsistentException extends IOException {
    @Serial
    private static final long serialVersionUID = 1L;

    public LogInconsistentException(String message) {
        super(message + "; run 'p9gate audit verify' and move the log aside");
    }
}
