package io.p9gate.audit;

import java.io.Serial;

/**
 * A record could not be written (or the log is already broken or closed). The gateway must refuse the operation
 * with {@link #errno()} (EIO; ENOSPC when the disk budget refused the guest data of a change, the log being fine):
 * a decision that cannot be recorded is not carried out (R-AUD-4).
 */
public final class AuditWriteException extends Exception {
    @Serial
    private static final long serialVersionUID = 1L;

    /** Linux EIO. */
    public static final int EIO = 5;
    /** Linux ENOSPC. */
    public static final int ENOSPC = 28;

    private final int errno;

    public AuditWriteException(String message, Throwable cause) {
        this(message, cause, EIO);
    }

    AuditWriteException(String message, Throwable cause, int errno) {
        super(message, cause);
        this.errno = errno;
    }

    public int errno() {
        return errno;
    }
}
