package io.p9gate.gateway.auditing;

import io.p9gate.audit.AuditEvent;
import io.p9gate.audit.AuditLog;
import io.p9gate.audit.AuditOptions;
import io.p9gate.audit.AuditWriteException;
import io.p9gate.audit.DetailWords;
import io.p9gate.audit.Durability;
import io.p9gate.audit.LifecycleKind;
import io.p9gate.audit.note.SigningKey;
import io.p9gate.gateway.fs.AuditEntry;
import io.p9gate.gateway.fs.AuditTrail;
import io.p9gate.gateway.fs.GatewayEvent;
import io.p9gate.gateway.fs.Outcome;
import io.p9gate.gateway.fs.RecordPhase;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The audit trail over the signed, hash-chained {@link AuditLog} (R-AUD-1, R-AUD-2, R-AUD-4): one record per
 * decision and per lifecycle event; a record that cannot be written is EIO. The records that
 * {@link AuditEntry#mustBeOnDisk() must be on disk} (the intent of a change, the open a Twrite acts through) are
 * before the request goes on ({@link Durability#SYNCED}, group commit), so that a power cut cannot keep a change
 * and lose its record (R-ROB-3); the other records need only reach the kernel. Refusals (requests that
 * changed nothing and failed) go through each VM's {@link RefusalBudget}: repeats become one record with a count
 * ({@link RepeatedRefusals}). Closing it writes the pending counts, records the shutdown and signs the final
 * checkpoint (R-DEP-2).
 */
public final class SignedAuditTrail implements AuditTrail, AutoCloseable {
    private final AuditLog log;
    /** What "on disk" means for the records that must be ({@link AuditEntry#mustBeOnDisk()}): SYNCED but in benchmarks. */
    private final Durability onDisk;

    private final RepeatedRefusals refusals;
    /** What the records of requests that change nothing are: HELD once the sessions write them before replying. */
    private volatile Durability looks = Durability.WRITTEN;

    private volatile AuditObserver observer = AuditObserver.NONE;
    private volatile DataOnLogFilesystem dataOnLog = DataOnLogFilesystem.NONE;
    /** A failing observer is reported once, not per record: it could fail for every request. */
    private final AtomicBoolean observerFailed = new AtomicBoolean();

    public SignedAuditTrail(AuditLog log) {
        this(log, Durability.SYNCED, RefusalBudget.DEFAULT);
    }

    /**
     * @param onDisk   how durable a record that must be on disk is before the request goes on (benchmarks compare the
     *                 two)
     * @param refusals how many refusals each VM gets written one by one
     */
    public SignedAuditTrail(AuditLog log, Durability onDisk, RefusalBudget refusals) {
        this(log, onDisk, refusals, Clock.systemUTC());
    }

    SignedAuditTrail(AuditLog log, Durability onDisk, RefusalBudget refusals, Clock clock) {
        this.log = Objects.requireNonNull(log);
        this.onDisk = Objects.requireNonNull(onDisk);
        this.refusals = new RepeatedRefusals(clock, refusals, this::appendDecision);
        this.refusals.startTimer();
    }

    /** Opens (or continues) the log in {@code dir}, signing with {@code key}. */
    public static SignedAuditTrail open(Path dir, SigningKey key, AuditOptions options)
            throws IOException, AuditWriteException {
        return new SignedAuditTrail(AuditLog.open(dir, key, options));
    }

    @Override
    public long record(AuditEntry entry) throws P9Exception {
        AuditEvent.Decision decision = DecisionRecords.of(entry);
        return switch (entry.phase()) {
            case INTENT -> intent(entry, decision);
            case DONE ->
                entry.outcome().errno() != null
                        ? refusals.record(decision) // changed nothing and failed
                        : append(decision, entry.mustBeOnDisk() ? onDisk : looks, RecordPhase.DONE);
            case OUTCOME -> append(decision, looks, RecordPhase.OUTCOME); // the change is made, its reply not sent
        };
    }

    /**
     * A change whose footprint the disk budget refuses (ENOSPC: the reserve kept for records, the log is fine) is not
     * made and has no intent: it is recorded as a request that failed, ENOSPC, as a quota's refusal is, with room to
     * spare (the reserve is there for records), and repeated ones summed up as other refusals are.
     */
    private long intent(AuditEntry entry, AuditEvent.Decision decision) throws P9Exception {
        try {
            return append(decision, durability(entry), RecordPhase.INTENT, dataOnLog.footprintOf(entry));
        } catch (P9Exception e) {
            if (e.errno() == Errno.ENOSPC) {
                refusals.record(DecisionRecords.of(new AuditEntry(
                        entry.tag(),
                        entry.message(),
                        entry.request(),
                        entry.decision(),
                        Outcome.failure(Errno.ENOSPC),
                        RecordPhase.DONE,
                        AuditTrail.NO_SEQ)));
            }
            throw e;
        }
    }

    private long appendDecision(AuditEvent.Decision decision) throws P9Exception {
        return append(decision, looks, RecordPhase.DONE);
    }

    /**
     * An intent is written at once (or synced): the change follows before the reply, and a crash of the process in
     * between must not keep the change without its record (docs/audit-format.md, "Durability and failure").
     */
    private Durability durability(AuditEntry entry) {
        return entry.mustBeOnDisk() ? onDisk : Durability.WRITTEN;
    }

    /**
     * From now on the records of requests that change nothing (looks, refusals, outcomes) are {@link Durability#HELD}:
     * written in one write per batch by {@link #writeHeld}, which whoever sends their replies must call first (the
     * sessions do: {@code RecordsBeforeReplies}), or else within {@link AuditLog#HOLD_MILLIS} ms.
     */
    public SignedAuditTrail holdingLooks() {
        looks = Durability.HELD;
        return this;
    }

    @Override
    public void writeHeld() throws P9Exception {
        writeHeld(Long.MAX_VALUE);
    }

    @Override
    public void writeHeld(long upTo) throws P9Exception {
        try {
            log.writeHeld(upTo);
        } catch (AuditWriteException e) {
            throw new P9Exception(Errno.of(e.errno()), e.getMessage(), e);
        }
    }

    /** Counts what changes take on shares on the log's file system against its free-space (and inode) reserve. */
    public void countDataOnLogFilesystem(DataOnLogFilesystem data) {
        this.dataOnLog = Objects.requireNonNull(data);
    }

    /**
     * Shows every record written from now on to {@code observer} (the metrics). This method's {@code append} is
     * the one place every record passes, refusal summaries included.
     */
    public void observe(AuditObserver observer) {
        this.observer = Objects.requireNonNull(observer);
    }

    @Override
    public boolean writable() {
        return log.writable();
    }

    @Override
    public void lifecycle(GatewayEvent event) throws P9Exception {
        append(
                switch (event) {
                    case GatewayEvent.Started s ->
                        new AuditEvent.Lifecycle(
                                LifecycleKind.START,
                                null,
                                AuditEvent.NO_SESSION,
                                null,
                                joined("config=" + s.configDigest(), s.detail()));
                    case GatewayEvent.PolicyLoaded p ->
                        new AuditEvent.Lifecycle(
                                p.reload() ? LifecycleKind.POLICY_RELOAD : LifecycleKind.POLICY_LOAD,
                                null,
                                AuditEvent.NO_SESSION,
                                p.policyDigest(),
                                p.detail());
                    case GatewayEvent.SessionOpened o ->
                        new AuditEvent.Lifecycle(
                                LifecycleKind.SESSION_ATTACH,
                                o.vm(),
                                o.session(),
                                null,
                                DetailWords.peer(o.peer())); // a TLS subject is the client's choice
                    case GatewayEvent.SessionClosed c ->
                        new AuditEvent.Lifecycle(LifecycleKind.SESSION_CLOSE, c.vm(), c.session(), null, null);
                });
    }

    /** Signs a checkpoint now and waits until it is durable. */
    public void checkpoint() throws AuditWriteException {
        log.checkpoint();
    }

    /** The underlying log (for tests and tools that need its size or last checkpoint). */
    public AuditLog log() {
        return log;
    }

    /** Writes the pending refusal counts, records the shutdown, signs the final checkpoint and closes the files. */
    @Override
    public void close() throws AuditWriteException {
        refusals.close();
        log.close();
    }

    private long append(AuditEvent event) throws P9Exception {
        return append(event, Durability.WRITTEN, RecordPhase.DONE);
    }

    private long append(AuditEvent event, Durability durability, RecordPhase phase) throws P9Exception {
        return append(event, durability, phase, Footprint.NONE);
    }

    /** @param data what an intent's change takes on the log's file system (its data, its blocks and inodes) */
    private long append(AuditEvent event, Durability durability, RecordPhase phase, Footprint data) throws P9Exception {
        long start = System.nanoTime();
        long seq;
        try {
            seq = switch (phase) {
                case INTENT -> log.appendIntent((AuditEvent.Decision) event, durability, data.bytes(), data.inodes());
                case OUTCOME -> log.appendOutcome((AuditEvent.Decision) event, durability); // one per admitted intent
                case DONE -> log.append(event, durability);
            };
        } catch (AuditWriteException e) {
            throw new P9Exception(Errno.of(e.errno()), e.getMessage(), e); // EIO, or ENOSPC for refused guest data
        }
        tellObserver(new AuditObserver.WrittenRecord(event, phase, durability, System.nanoTime() - start));
        return seq;
    }

    /** The record is written: whatever the observer does, the request goes on. */
    private void tellObserver(AuditObserver.WrittenRecord written) {
        try {
            observer.written(written);
        } catch (RuntimeException e) {
            if (observerFailed.compareAndSet(false, true)) {
                System.getLogger(SignedAuditTrail.class.getName())
                        .log(
                                System.Logger.Level.WARNING,
                                "metrics: cannot count an audit record (further failures are not logged): " + e);
            }
        }
    }

    private static String joined(String first, String rest) {
        return rest == null || rest.isEmpty() ? first : first + " " + rest;
    }
}
