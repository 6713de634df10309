package io.p9gate.gateway.session;

import io.p9gate.gateway.proto.P9Exception;

/** Creates the filesystem half of a session once Tversion has fixed its msize. */
@FunctionalInterface
public interface RequestHandlerFactory {
    RequestHandler open(ConnectionContext context);

    /**
     * Writes the audit records that sessions hold (one write per batch of requests, not per record): every
     * connection calls it before its replies leave ({@link RecordsBeforeReplies}).
     *
     * @throws P9Exception when they could not be written: no reply of theirs may leave
     */
    default void writeRecords() throws P9Exception {}
}
