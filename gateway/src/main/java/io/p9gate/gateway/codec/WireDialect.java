package io.p9gate.gateway.codec;

import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.RMessage;
import io.p9gate.policy.dialect.Dialect;
import java.util.Objects;

/**
 * The dialect a connection's frames are read and its errors written in: 9P2000.L until a Tversion agrees on another.
 * Shared by the decoder (event loop) and the session, which sets it before the Rversion leaves, so that the client's
 * next frame is already read in the new dialect.
 */
public final class WireDialect {
    private volatile Dialect current = Dialect.L;
    /** A Tversion was read and is not answered yet: the frames after it wait unread (event loop only). */
    private boolean versionPending;
    /** Reads the frames that waited for the Rversion (set by the decoder; event loop only). */
    private Runnable resume = () -> {};

    public Dialect current() {
        return current;
    }

    public void set(Dialect dialect) {
        this.current = Objects.requireNonNull(dialect);
    }

    /**
     * The decoder read a Tversion: it reads nothing more until the session has answered it. A frame sent right
     * after a Tversion (in the same write) may only be read in the dialect and against the msize the Rversion
     * agrees: read in the old dialect it would be served by the new session, a 9P2000.L message in a 9P2000 session
     * (a .L Tattach names its uid, a 9P2000 one none), messages of a dialect the VM's policy does not list.
     */
    void versionRead() {
        versionPending = true;
    }

    boolean versionPending() {
        return versionPending;
    }

    void onVersionAnswered(Runnable readWaitingFrames) {
        this.resume = readWaitingFrames;
    }

    /**
     * On the event loop, once the Rversion is written (and the dialect and msize it agrees are set, or the version
     * refused): the decoder reads the frames that waited, in the dialect now agreed.
     */
    public void versionAnswered() {
        if (versionPending) {
            versionPending = false;
            resume.run();
        }
    }

    /**
     * The reply as this dialect spells it: handlers and the session answer errors with Rlerror, which only 9P2000.L
     * has; a 9P2000.u client gets Rerror with the error's text and errno, a 9P2000 client the text alone (the Linux
     * client maps the texts of strerror back to errnos, net/9p/error.c): of an errno it knows by text
     * ({@link Errno#toldByTextAlone}), which the request's record says too (fs.RequestScope).
     */
    public RMessage spell(RMessage reply) {
        return spell(current, reply);
    }

    /** The reply as {@code dialect} spells it (a Tversion's refusal is spelled in the dialect it asked for). */
    public static RMessage spell(Dialect dialect, RMessage reply) {
        if (!(reply instanceof RMessage.Rlerror(Errno errno))) {
            return reply;
        }
        return switch (dialect) {
            case L -> reply;
            case U -> new RMessage.RerrorU(errno.description(), errno);
            case LEGACY -> new RMessage.Rerror(errno.toldByTextAlone().description());
        };
    }
}
