package io.p9gate.gateway.wiring;

import io.p9gate.gateway.fs.AuditEntry;
import io.p9gate.gateway.fs.AuditTrail;
import io.p9gate.gateway.fs.GatewayEvent;
import io.p9gate.gateway.proto.P9Exception;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The audit trail as one connection sees it: remembers the highest sequence number its records got (its sessions'
 * requests, a refused Tversion), so that its {@link #writeHeld} writes held records only while one of its own is
 * still held. A connection whose records are written thus neither waits for nor writes those of others, nor fails
 * when theirs cannot be written (docs/audit-format.md, "Held records").
 */
final class ConnectionTrail implements AuditTrail {
    private final AuditTrail trail;
    /** Recorded from worker threads and the event loop; read by the flush on the loop. */
    private final AtomicLong last = new AtomicLong(NO_SEQ);

    ConnectionTrail(AuditTrail trail) {
        this.trail = trail;
    }

    @Override
    public long record(AuditEntry entry) throws P9Exception {
        long seq = trail.record(entry);
        last.accumulateAndGet(seq, Math::max);
        return seq;
    }

    /** Writes the held records if one of this connection's is among them. */
    @Override
    public void writeHeld() throws P9Exception {
        trail.writeHeld(last.get());
    }

    @Override
    public void writeHeld(long upTo) throws P9Exception {
        trail.writeHeld(upTo);
    }

    @Override
    public boolean writable() {
        return trail.writable();
    }

    @Override
    public void lifecycle(GatewayEvent event) throws P9Exception {
        trail.lifecycle(event);
    }
}
