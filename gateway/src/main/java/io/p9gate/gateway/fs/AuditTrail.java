package io.p9gate.gateway.fs;

import io.p9gate.gateway.proto.P9Exception;

/**
 * Receives one record per decision, allowed or denied (R-AUD-1), and the gateway's lifecycle events. If
 * recording fails the request fails with EIO (fail closed, R-AUD-4). Must be thread-safe.
 */
@FunctionalInterface
public interface AuditTrail {
    /** Returned by trails that number nothing. */
    long NO_SEQ = -1;

    /**
     * Writes the record before returning, or holds it for {@link #writeHeld} (a trail that holds records of requests
     * that change nothing, so that a batch of them costs one write); returns its sequence number (or
     * {@link #NO_SEQ}).
     *
     * @throws P9Exception EIO when it could not be written
     */
    long record(AuditEntry entry) throws P9Exception;

    /**
     * Writes the records held so far: called before the replies of their requests leave (a crash of the process
     * then loses no record of a request the guest was answered).
     *
     * @throws P9Exception EIO when they could not be written: no reply of theirs may leave
     */
    default void writeHeld() throws P9Exception {}

    /**
     * Writes the records held so far unless the one numbered {@code upTo} (and so every one before it) is written
     * already: called by one connection before its replies leave, {@code upTo} the highest sequence number its
     * requests' records got ({@link #NO_SEQ}: none), so that it waits for no other connection's records.
     *
     * @throws P9Exception EIO when a record up to {@code upTo} could not be written
     */
    default void writeHeld(long upTo) throws P9Exception {
        writeHeld();
    }

    /**
     * Cheap check, before the backend is touched: false once records can no longer be written, so that a
     * request is refused before it does anything.
     */
    default boolean writable() {
        return true;
    }

    /**
     * Records a lifecycle event (start, policy load/reload, session open/close).
     *
     * @throws P9Exception EIO when it could not be written
     */
    default void lifecycle(GatewayEvent event) throws P9Exception {}
}
