package io.p9gate.gateway.compliance;

import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.RMessage;

/**
 * What the gateway answered one request: a reply, or the errno of its Rlerror. A Twalk that stopped early
 * (Rwalk with fewer qids than names: a later name does not exist) is {@code partial}: the protocol says
 * success, the walk reached less than it asked for.
 *
 * @param data the bytes of an Rread (the reply's buffer is released at once)
 */
record Reply(RMessage message, Errno errno, boolean partial, byte[] data) {
    static Reply of(RMessage message) {
        return new Reply(message, null, false, null);
    }

    static Reply failed(Errno errno) {
        return new Reply(null, errno, false, null);
    }

    boolean ok() {
        return errno == null && !partial;
    }

    /** "ok", "partial walk" or the errno name. */
    String describe() {
        if (partial) {
            return "Rwalk stopped early (" + ((RMessage.Rwalk) message).qids().size() + " names walked)";
        }
        return errno == null ? "ok" : errno.name();
    }
}
