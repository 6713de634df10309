package io.p9gate.gateway.packaging;

import java.io.Serial;

/**
 * The directory named as a package is none (not there, no directory, no MANIFEST): bad input, exit 2, where {@code
 * package verify}'s 1 says the files differ from their manifest.
 */
public final class NotAPackageException extends Exception {
    @Serial
    private static final long serialVersionUID = 1L;

    NotAPackageException(String message) {
        super(message);
    }
}
