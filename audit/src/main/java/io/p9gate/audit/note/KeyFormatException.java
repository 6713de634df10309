package io.p9gate.audit.note;

/** A key string or key file that cannot be used; the message is one line meant for the operator. */
public final class KeyFormatException extends Exception {
    public KeyFormatException(String message) {
        super(message);
    }
}
