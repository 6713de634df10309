package io.p9gate.audit.note;

import java.io.Serial;

/** A key string or key file that cannot be used; the message is one line meant for the operator. */
public final class KeyFormatException extends Exception {
    @Serial
    private static final long serialVersionUID = 1L;

    public KeyFormatException(String message) {
        super(message);
    }
}
