package io.p9gate.audit;

import io.p9gate.audit.note.Checkpoint;
import io.p9gate.audit.note.NoteSignature;
import io.p9gate.audit.note.SignedNote;
import io.p9gate.audit.note.SigningKey;

import java.io.IOException;
import java.nio.file.Path;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The append-only, signed audit log (R-AUD-1, R-AUD-2, R-AUD-4).
 *
 * <p>{@link #append} is thread-safe: one lock serialises encoding, hashing and the write, so sequence order,
 * chain order and file order are the same. A record has reached the kernel when {@code append} returns; the
 * caller replies to the guest only after that. Checkpoints (fsync, then a signed note in the sidecar) are taken
 * every {@code checkpointRecords} records, every {@code checkpointEvery} while records arrive, after policy
 * load/reload and key change, and at {@link #close}. Once a write fails the log stays failed: every later
 * append throws, so no decision is carried out unrecorded.
 */
public final class AuditLog implements AutoCloseable {
    private final ReentrantLock lock = new ReentrantLock();
    private final Hashes hashes = new Hashes();
    private final UUID boot = UUID.randomUUID();
    private final AuditOptions options;
    private final SigningKey key;
    private final SegmentWriter segments;
    private final CheckpointStore checkpoints;
    private final MerkleFrontier tree;
    private final ScheduledExecutorService timer;
    private byte[] chainHead;
    private long recordsSinceCheckpoint;
    private Checkpoint lastCheckpoint;
    private Exception failure;
    private boolean closed;

    private AuditLog(Path dir, SigningKey key, AuditOptions options, LogRecovery.State state) throws IOException {
        this.options = options;
        this.key = key;
        this.tree = state.tree();
        this.chainHead = state.chainHead();
        this.lastCheckpoint = state.lastCheckpoint();
        this.segments = new SegmentWriter(dir, options.maxSegmentBytes(), state.lastSegment(), state.lastSegmentLength());
        this.checkpoints = CheckpointStore.openForAppend(dir);
        this.timer = options.checkpointEvery().isZero() ? null : Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "audit-checkpoint");
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Opens (or creates) the log in {@code dir}, continuing an existing one. Records a START event (saying what
     * crash recovery found) and, when {@code key} differs from the key of the last checkpoint, a KEY_CHANGE event,
     * then signs a checkpoint.
     *
     * @throws LogInconsistentException the existing records do not continue cleanly; nothing is appended
     */
    public static AuditLog open(Path dir, SigningKey key, AuditOptions options) throws IOException, AuditWriteException {
        LogRecovery.State state = LogRecovery.recover(dir);
        AuditLog log = new AuditLog(dir, key, options, state);
        log.start(state);
        return log;
    }

    private void start(LogRecovery.State state) throws AuditWriteException {
        lock.lock();
        try {
            if (state.endsWithBareCheckpoint()) {
                // A crash hit between a checkpoint record and its note: finish that checkpoint first.
                signCheckpoint();
            }
            long unanchored = state.size() - (lastCheckpoint == null ? 0 : lastCheckpoint.size());
            String detail = "key=" + key.verifierKey().format() + " recovered_unanchored=" + unanchored
                    + " torn_bytes=" + state.tornBytes();
            writeRecord(AuditEvent.Lifecycle.of(LifecycleKind.START, detail));
            NoteSignature previous = state.lastSigner();
            if (previous != null && (!previous.keyName().equals(key.name())
                    || previous.keyHash() != key.verifierKey().keyHash())) {
                writeRecord(AuditEvent.Lifecycle.of(LifecycleKind.KEY_CHANGE, "from=" + previous.keyName() + "+"
                        + String.format("%08x", previous.keyHash()) + " to=" + key.verifierKey().format()));
            }
            checkpointLocked("open");
        } finally {
            lock.unlock();
        }
        if (timer != null) {
            long ms = options.checkpointEvery().toMillis();
            timer.scheduleWithFixedDelay(this::timedCheckpoint, ms, ms, TimeUnit.MILLISECONDS);
        }
    }

    /** Appends one record and returns its sequence number. */
    public long append(AuditEvent event) throws AuditWriteException {
        lock.lock();
        try {
            long seq = writeRecord(event);
            boolean forced = event instanceof AuditEvent.Lifecycle l && l.kind().forcesCheckpoint();
            if (forced || recordsSinceCheckpoint >= options.checkpointRecords()) {
                checkpointLocked(forced ? "event" : "count");
            }
            return seq;
        } finally {
            lock.unlock();
        }
    }

    /** Signs a checkpoint now (after appending its CHECKPOINT record) and returns it. */
    public Checkpoint checkpoint() throws AuditWriteException {
        lock.lock();
        try {
            return checkpointLocked("request");
        } finally {
            lock.unlock();
        }
    }

    /** The last signed checkpoint, or null before the first. */
    public Checkpoint lastCheckpoint() {
        lock.lock();
        try {
            return lastCheckpoint;
        } finally {
            lock.unlock();
        }
    }

    /** Number of records in the log. */
    public long size() {
        lock.lock();
        try {
            return tree.size();
        } finally {
            lock.unlock();
        }
    }

    /** Records SHUTDOWN, signs a final checkpoint and closes the files. */
    @Override
    public void close() throws AuditWriteException {
        if (timer != null) {
            timer.shutdownNow();
        }
        lock.lock();
        try {
            if (closed) {
                return;
            }
            try {
                writeRecord(AuditEvent.Lifecycle.of(LifecycleKind.SHUTDOWN, null));
                checkpointLocked("shutdown");
            } finally {
                closed = true;
                closeQuietly();
            }
        } finally {
            lock.unlock();
        }
    }

    private void timedCheckpoint() {
        lock.lock();
        try {
            if (!closed && failure == null && recordsSinceCheckpoint > 0) {
                checkpointLocked("time");
            }
        } catch (AuditWriteException e) {
            // The log is now failed; the next append reports it to the gateway as EIO.
        } finally {
            lock.unlock();
        }
    }

    private Checkpoint checkpointLocked(String reason) throws AuditWriteException {
        writeRecord(AuditEvent.Lifecycle.of(LifecycleKind.CHECKPOINT, "reason=" + reason));
        return signCheckpoint();
    }

    /** fsync the records, then sign and store the tree head; the note is never durable before its records. */
    private Checkpoint signCheckpoint() throws AuditWriteException {
        ensureWritable();
        try {
            segments.force();
            Checkpoint cp = new Checkpoint(options.origin(), tree.size(), tree.root(), chainHead, options.clock().instant());
            checkpoints.append(SignedNote.sign(cp.body(), key));
            lastCheckpoint = cp;
            recordsSinceCheckpoint = 0;
            return cp;
        } catch (IOException | RuntimeException e) {
            throw fail("cannot write audit checkpoint", e);
        }
    }

    private long writeRecord(AuditEvent event) throws AuditWriteException {
        ensureWritable();
        long seq = tree.size();
        try {
            byte[] line = RecordEncoder.encode(seq, boot, options.clock().instant(), event, chainHead);
            segments.write(line, seq);
            tree.append(hashes.leaf(line, 0, line.length));
            chainHead = hashes.chain(chainHead, line, 0, line.length);
        } catch (IOException | RuntimeException e) {
            throw fail("cannot write audit record " + seq, e);
        }
        if (!(event instanceof AuditEvent.Lifecycle l && l.kind() == LifecycleKind.CHECKPOINT)) {
            recordsSinceCheckpoint++;
        }
        return seq;
    }

    private void ensureWritable() throws AuditWriteException {
        if (failure != null) {
            throw new AuditWriteException("audit log failed earlier: " + failure.getMessage(), failure);
        }
        if (closed) {
            throw new AuditWriteException("audit log is closed", null);
        }
    }

    private AuditWriteException fail(String message, Exception cause) {
        failure = cause;
        return new AuditWriteException(message + ": " + cause.getMessage(), cause);
    }

    private void closeQuietly() {
        try {
            segments.close();
        } catch (IOException e) {
            failure = failure == null ? e : failure;
        }
        try {
            checkpoints.close();
        } catch (IOException e) {
            failure = failure == null ? e : failure;
        }
    }
}
