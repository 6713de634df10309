package io.p9gate.audit;

import java.io.Serial;

/**
 * A record could not be written (or the log is already broken or closed). The gateway must refuse the operation
 * with {@link #errno()} (EIO): a decision that cannot be recorded is not carried out (R-AUD-4).
 */
public final class AuditWriteException extends Exception {
    @Serial
    private static final long serialVersionUID = 1L;

    /** Linux EIO. */
    public static final int EIO = 5;

    public AuditWriteException(String message, Throwable cause) {
        super(message, cause);
    }

    public int errno() {
        return EIO;
    }
}
