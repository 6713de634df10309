package io.p9gate.gateway.packaging;

import java.io.Serial;

/** Packaging cannot go on; the message is one line for the user (nothing is written). */
public final class PackagingException extends Exception {
    @Serial
    private static final long serialVersionUID = 1L;

    public PackagingException(String message) {
        super(message);
    }

    public PackagingException(String message, Throwable cause) {
        super(message, cause);
    }
}
