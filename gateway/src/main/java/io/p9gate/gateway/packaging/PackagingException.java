package io.p9gate.gateway.packaging;

/** Packaging cannot go on; the message is one line for the user (nothing is written). */
public final class PackagingException extends Exception {
    public PackagingException(String message) {
        super(message);
    }

    public PackagingException(String message, Throwable cause) {
        super(message, cause);
    }
}
