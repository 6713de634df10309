package io.p9gate.gateway.session;

import io.p9gate.gateway.proto.P9Exception;

/**
 * Creates the filesystem half of a session once Tversion has fixed its msize. The gateway it is given to closes it
 * when it closes ({@link #close}).
 */
@FunctionalInterface
public interface RequestHandlerFactory extends AutoCloseable {
    RequestHandler open(ConnectionContext context);

    /**
     * Writes the audit records that sessions hold (one write per batch of requests, not per record): every
     * connection calls it, on its {@link #forConnection} view, before its replies leave
     * ({@link RecordsBeforeReplies}).
     *
     * @throws P9Exception when they could not be written: no reply of theirs may leave
     */
    default void writeRecords() throws P9Exception {}

    /**
     * The factory one connection uses, for its sessions and before its flushes: one whose {@link #writeRecords} writes
     * held records only when one of that connection's own is among them, so that no connection waits for the records
     * of others (and none fails while only theirs cannot be written). This one by default.
     */
    default RequestHandlerFactory forConnection() {
        return this;
    }

    /**
     * Releases what the factory opened (share handles, each VM's host-move watcher): called by the gateway once, after
     * its sessions have ended, and harmless again. Nothing by default, nor for a connection's view.
     */
    @Override
    default void close() {}
}
