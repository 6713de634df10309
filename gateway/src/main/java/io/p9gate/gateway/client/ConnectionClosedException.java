package io.p9gate.gateway.client;

import java.io.IOException;
import java.io.Serial;

/**
 * The peer closed the connection (or it was closed here) before a request was answered. Told apart from the other
 * transport failures (a timeout, a malformed reply, a send that failed), which leave the question of what the
 * server did open: a probe that expects the server to close a connection must see this, not just any error.
 */
public final class ConnectionClosedException extends IOException {
    @Serial
    private static final long serialVersionUID = 1L;

    public ConnectionClosedException(String message) {
        super(message);
    }

    public ConnectionClosedException(String message, Throwable cause) {
        super(message, cause);
    }

    /**
     * What a failed send means: a write that failed because the connection is gone (the peer closed it meanwhile, so
     * the write met EPIPE or a closed channel) is the close, not a failure of its own.
     */
    static IOException ofFailedSend(String what, boolean stillOpen, Throwable cause) {
        return stillOpen && !(cause instanceof java.nio.channels.ClosedChannelException)
                ? new IOException(what, cause)
                : new ConnectionClosedException(what + ": connection closed", cause);
    }
}
