package io.p9gate.gateway.fs;

import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.Frame;
import io.p9gate.gateway.proto.MessageType;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.policy.dialect.Dialect;
import java.util.Locale;
import java.util.Optional;

/**
 * The 9P request a worker thread is serving (VM, session, tag and message type), for the audit record and for the
 * log line of an unexpected fault. Bound by the session's handler around one request; a scoped value rather than a
 * parameter so that the operations layer does not thread the tag through every call it makes to {@link GuardedFs}.
 */
public final class RequestScope {
    /** Tag recorded for calls made outside any request (tests driving GuardedFs directly). */
    public static final int NO_TAG = Frame.NOTAG;

    /**
     * The request being served: the VM and session it came in on, its tag and type, and the dialect the guest is
     * answered in (empty for the session's own work, which answers no guest: its records keep the host's errno).
     */
    public record Request(String vm, long session, int tag, MessageType type, Optional<Dialect> answeredIn) {
        /** The session's own work, answering no guest (a session's end, a reload's re-decision). */
        public Request(String vm, long session, int tag, MessageType type) {
            this(vm, session, tag, type, Optional.empty());
        }
    }

    private static final ScopedValue<Request> CURRENT = ScopedValue.newInstance();

    private RequestScope() {}

    @FunctionalInterface
    public interface Body<T> {
        T run() throws P9Exception;
    }

    /** Runs {@code body} as {@code request}. */
    public static <T> T serving(Request request, Body<T> body) throws P9Exception {
        return ScopedValue.where(CURRENT, request).call(body::run);
    }

    static int tag() {
        return CURRENT.isBound() ? CURRENT.get().tag() : NO_TAG;
    }

    /**
     * The errno the guest is told for {@code errno}, which the request's record must say: a 9P2000 Rerror has only a
     * text, and the client knows the texts of some errnos alone ({@link Errno#toldByTextAlone}).
     */
    static Errno told(Errno errno) {
        if (!CURRENT.isBound() || CURRENT.get().answeredIn().isEmpty()) {
            return errno;
        }
        return switch (CURRENT.get().answeredIn().get()) {
            case LEGACY -> errno.toldByTextAlone();
            case L, U -> errno;
        };
    }

    /** The 9P message being served, or null outside a request. */
    static MessageType type() {
        return CURRENT.isBound() ? CURRENT.get().type() : null;
    }

    /** For a log line: {@code Tgetattr tag 40 (VM alpha, session 7)}. */
    static String describe() {
        if (!CURRENT.isBound()) {
            return "no request";
        }
        Request r = CURRENT.get();
        String type =
                r.type() == null ? "?" : "T" + r.type().name().substring(1).toLowerCase(Locale.ROOT);
        return type + " tag " + r.tag() + " (VM " + r.vm() + ", session " + r.session() + ")";
    }
}
