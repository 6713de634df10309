package io.p9gate.gateway.session;

import io.p9gate.gateway.codec.CodecBuffers;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.RMessage;
import io.p9gate.gateway.proto.TMessage.FileRequest;

/** Runs one request on a worker thread and turns every outcome into a reply. */
final class RequestRunner {
    private static final System.Logger LOG = System.getLogger(RequestRunner.class.getName());

    private RequestRunner() {}

    /**
     * A {@link P9Exception} is an ordinary failure (Rlerror with its errno). Anything else thrown
     * is a bug in the handler: Rlerror(EIO) so the client is answered, and the stack trace logged.
     * The request's payload is released here, once it has been served.
     */
    static RMessage serve(RequestHandler handler, int tag, FileRequest request) {
        try {
            RMessage reply = handler.handle(tag, request);
            if (reply == null) {
                LOG.log(System.Logger.Level.ERROR, () -> "handler returned no reply for " + request.type() + " (bug)");
                return new RMessage.Rlerror(Errno.EIO);
            }
            return reply;
        } catch (P9Exception e) {
            return new RMessage.Rlerror(e.errno());
        } catch (RuntimeException | Error e) {
            LOG.log(System.Logger.Level.ERROR, "handler failed on " + request.type() + " tag " + tag + " (bug)", e);
            return new RMessage.Rlerror(Errno.EIO);
        } finally {
            CodecBuffers.releasePayload(request);
        }
    }

    /** What {@link #start} gives for a handler whose start failed (a bug): the request is answered EIO, unserved. */
    static final RequestHandler.Started FAILED = () -> {};

    /**
     * {@link RequestHandler#starting}, never throwing: anything it throws is a bug in the handler, logged, and
     * {@link #FAILED}, so that the request is still answered and its tag and admission given back.
     */
    static RequestHandler.Started start(RequestHandler handler, int tag, FileRequest request, Runnable later) {
        try {
            return handler.starting(request, later);
        } catch (RuntimeException | Error e) {
            LOG.log(
                    System.Logger.Level.ERROR,
                    "handler failed to start " + request.type() + " tag " + tag + " (bug)",
                    e);
            return FAILED;
        }
    }

    /**
     * {@link RequestHandler#closing}, never throwing: anything it throws is a bug in the handler, logged, and the close
     * goes on at once (a session whose close died there kept its fids and never ended).
     */
    static RequestHandler.Started closing(RequestHandler handler, Runnable later) {
        try {
            return handler.closing(later);
        } catch (RuntimeException | Error e) {
            LOG.log(System.Logger.Level.ERROR, "handler failed to hold its close (bug)", e);
            return RequestHandler.Started.NOW;
        }
    }

    /** Serves a request {@link #start} let start ({@code started}); one whose start failed gets EIO, unserved. */
    static RMessage serve(RequestHandler.Started started, RequestHandler handler, int tag, FileRequest request) {
        if (started == FAILED) {
            CodecBuffers.releasePayload(request);
            return new RMessage.Rlerror(Errno.EIO);
        }
        return serve(handler, tag, request);
    }

    /** Closes a handler, logging (never propagating) a failure: the session must still end. */
    static void closeQuietly(RequestHandler handler) {
        try {
            handler.close();
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "request handler failed to close (bug)", e);
        }
    }
}
