package io.p9gate.gateway.fs;

import io.p9gate.gateway.proto.Frame;
import io.p9gate.gateway.proto.MessageType;
import io.p9gate.gateway.proto.P9Exception;

/**
 * The 9P request a worker thread is serving (tag and message type), for the audit record. Bound by the
 * session's handler around one request; a scoped value rather than a parameter so that the operations layer
 * does not thread the tag through every call it makes to {@link GuardedFs}.
 */
public final class RequestScope {
    /** Tag recorded for calls made outside any request (tests driving GuardedFs directly). */
    public static final int NO_TAG = Frame.NOTAG;

    private record Current(int tag, MessageType type) {
    }

    private static final ScopedValue<Current> CURRENT = ScopedValue.newInstance();

    private RequestScope() {
    }

    @FunctionalInterface
    public interface Body<T> {
        T run() throws P9Exception;
    }

    /** Runs {@code body} as the request with this tag and type. */
    public static <T> T serving(int tag, MessageType type, Body<T> body) throws P9Exception {
        return ScopedValue.where(CURRENT, new Current(tag, type)).call(body::run);
    }

    static int tag() {
        return CURRENT.isBound() ? CURRENT.get().tag() : NO_TAG;
    }

    /** The 9P message being served, or null outside a request. */
    static MessageType type() {
        return CURRENT.isBound() ? CURRENT.get().type() : null;
    }
}
