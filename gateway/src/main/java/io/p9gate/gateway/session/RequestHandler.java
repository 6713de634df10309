package io.p9gate.gateway.session;

import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.RMessage;
import io.p9gate.gateway.proto.TMessage.FileRequest;

/**
 * The filesystem half of one negotiated 9P session: owns the fid table. The session layer calls
 * {@link #handle} from worker threads, possibly concurrently for different tags, and on the event
 * loop only a request the handler calls {@link #quick} while nothing else of the connection is in
 * flight.
 */
public interface RequestHandler extends AutoCloseable {

    /** Serves one request; a failure becomes Rlerror with the exception's errno. */
    RMessage handle(FileRequest request) throws P9Exception;

    /**
     * Serves one request knowing its tag (for the audit record, R-AUD-1). The session layer calls this one;
     * handlers that do not need the tag keep the default.
     */
    default RMessage handle(int tag, FileRequest request) throws P9Exception {
        return handle(request);
    }

    /**
     * Whether serving this request takes a few system calls and a written record, never a wait for the disk's
     * flush (a lookup, a read, or a Twrite, whose intent need not be on disk): such a request may be served on
     * the connection's event loop when nothing else of the connection is in flight, which spares the two thread
     * hand-offs a worker costs. Asked on the event loop with nothing of the connection in flight, so it may read the
     * fid table.
     */
    default boolean quick(FileRequest request) {
        return false;
    }

    /**
     * What {@code request} holds while it is served, taken on the thread about to serve it, before it does, without
     * waiting; null if it must not start now (a reload scans the VM's quota scopes that it may change), and then
     * {@code later}, if not null, runs once it may, on another thread: it must only hand the request on. So no event
     * loop and no worker waits for such a scan.
     */
    default Started starting(FileRequest request, Runnable later) {
        return Started.NOW;
    }

    /**
     * As {@link #starting}, for {@link #close}: what the close holds while it runs, or null if it must wait (then
     * {@code later} runs once it may, on another thread, and must only hand the close on).
     */
    default Started closing(Runnable later) {
        return Started.NOW;
    }

    /** A request's hold on what it needs to start ({@link #starting}); closed once, when it has been served. */
    interface Started extends AutoCloseable {
        Started NOW = () -> {};

        @Override
        void close();
    }

    /** The connection dropped or Tversion restarted the session: release every fid and handle. */
    @Override
    void close();
}
