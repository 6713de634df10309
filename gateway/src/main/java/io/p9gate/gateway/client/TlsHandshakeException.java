package io.p9gate.gateway.client;

import java.io.IOException;
import java.io.Serial;

/**
 * The TCP connection was made but the TLS handshake on it failed: the server refused this client (or this client
 * the server's certificate). Told apart from a connection that could not be made at all, which says nothing about
 * what the server accepts.
 */
public final class TlsHandshakeException extends IOException {
    @Serial
    private static final long serialVersionUID = 1L;

    public TlsHandshakeException(String message, Throwable cause) {
        super(message, cause);
    }
}
