package io.p9gate.gateway.compliance;

import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.RMessage;

/**
 * What the gateway answered one request: a reply, or the errno of its Rlerror. A Twalk that stopped early
 * (Rwalk with fewer qids than names: a later name does not exist) is {@code partial}: the protocol says
 * success, the walk reached less than it asked for.
 *
 * @param data the bytes of an Rread (the reply's buffer is released at once)
 * @param atRefusal a partial walk that stopped exactly at the first name the policy refuses: the refusal itself.
 *     A Twalk refused after its first name is answered with the qids of the names before it (9P2000.L has no
 *     errno there; the client reports ENOENT), and the audit record carries the policy's errno.
 */
record Reply(RMessage message, Errno errno, boolean partial, byte[] data, boolean atRefusal) {
    static Reply of(RMessage message) {
        return new Reply(message, null, false, null, false);
    }

    static Reply failed(Errno errno) {
        return new Reply(null, errno, false, null, false);
    }

    /** This partial walk, known to have stopped at the name the policy refuses. */
    Reply stoppedAtRefusal() {
        return new Reply(message, errno, partial, data, true);
    }

    /** Walked names, for a partial walk. */
    int walked() {
        return ((RMessage.Rwalk) message).qids().size();
    }

    boolean ok() {
        return errno == null && !partial;
    }

    /** "ok", "partial walk" or the errno name. */
    String describe() {
        if (partial) {
            return "Rwalk stopped early (" + walked() + " names walked)";
        }
        return errno == null ? "ok" : errno.name();
    }
}
