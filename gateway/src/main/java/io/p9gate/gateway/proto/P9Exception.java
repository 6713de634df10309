package io.p9gate.gateway.proto;

import java.io.Serial;

/**
 * A failed 9P request: carries the errno the client will see in Rlerror. The message is for
 * logs and audit only; it never reaches the guest.
 */
public class P9Exception extends Exception {
    @Serial
    private static final long serialVersionUID = 1L;

    private final Errno errno;

    public P9Exception(Errno errno, String message) {
        super(message, null, false, false);
        this.errno = errno;
    }

    public P9Exception(Errno errno, String message, Throwable cause) {
        super(message, cause, false, false);
        this.errno = errno;
    }

    public Errno errno() {
        return errno;
    }

    @Override
    public String getMessage() {
        return errno.name() + ": " + super.getMessage();
    }
}
