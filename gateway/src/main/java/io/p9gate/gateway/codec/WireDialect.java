package io.p9gate.gateway.codec;

import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.RMessage;
import io.p9gate.policy.dialect.Dialect;

/**
 * The dialect a connection's frames are read and its errors written in: 9P2000.L until a Tversion agrees on another.
 * Shared by the decoder (event loop) and the session, which sets it before the Rversion leaves, so that the client's
 * next frame is already read in the new dialect.
 */
public final class WireDialect {
    private volatile Dialect current = Dialect.L;

    public Dialect current() {
        return current;
    }

    public void set(Dialect dialect) {
        this.current = java.util.Objects.requireNonNull(dialect);
    }

    /**
     * The reply as this dialect spells it: handlers and the session answer errors with Rlerror, which only 9P2000.L
     * has; a 9P2000.u client gets Rerror with the error's text and errno, a 9P2000 client the text alone (the Linux
     * client maps the texts of strerror back to errnos, net/9p/error.c).
     */
    public RMessage spell(RMessage reply) {
        if (!(reply instanceof RMessage.Rlerror(Errno errno))) {
            return reply;
        }
        return switch (current) {
            case L -> reply;
            case U -> new RMessage.RerrorU(errno.description(), errno);
            case LEGACY -> new RMessage.Rerror(errno.description());
        };
    }
}
