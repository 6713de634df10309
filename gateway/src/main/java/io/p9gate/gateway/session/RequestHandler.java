package io.p9gate.gateway.session;

import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.RMessage;
import io.p9gate.gateway.proto.TMessage.FileRequest;

/**
 * The filesystem half of one negotiated 9P session: owns the fid table. The session layer calls
 * {@link #handle} from worker threads, possibly concurrently for different tags, never on the
 * event loop.
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

    /** The connection dropped or Tversion restarted the session: release every fid and handle. */
    @Override
    void close();
}
