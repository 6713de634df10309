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

    /** The connection dropped or Tversion restarted the session: release every fid and handle. */
    @Override
    void close();
}
