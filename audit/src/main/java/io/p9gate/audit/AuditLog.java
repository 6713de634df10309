package io.p9gate.audit;

import io.p9gate.audit.note.Checkpoint;
import io.p9gate.audit.note.SigningKey;
import io.p9gate.audit.read.LineHeader;
import io.p9gate.audit.read.SegmentReader;
import java.io.IOException;
import java.io.SyncFailedException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;

/**
 * The append-only, signed audit log (R-AUD-1, R-AUD-2, R-AUD-4).
 *
 * <p>{@link #append} is thread-safe: one lock serialises encoding, hashing and the write, so sequence order,
 * chain order and file order are the same. No fsync is made under it: a segment rotation's is made on the
 * checkpoint thread ({@link SegmentWriter}, "Rotation"). A record has reached the kernel when {@code append} returns; the
 * caller replies to the guest only after that. A record appended {@link Durability#HELD} only once {@link #writeHeld}
 * has returned (or any later append that is not held, a checkpoint or the {@link #HOLD_MILLIS} timer): the records
 * of a batch of requests then cost one write(2). A record appended with {@link Durability#SYNCED} (the caller's
 * choice: the intent of a change about to be made, an open for writing) is on disk when {@code append} returns:
 * outside the lock, its appender makes the {@link GroupCommit}'s next fsync itself or waits for the one running,
 * and one fsync covers every record written before it started.
 *
 * <p>Checkpoints are taken every {@code checkpointRecords} records, every {@code checkpointEvery} while records
 * arrive, after policy load/reload and key change, and at {@link #close}. Taking one has two halves: under the
 * lock, a CHECKPOINT record is appended and the tree head fixed; then the checkpoint thread takes the heads
 * captured so far, fsyncs the segment, and signs those heads only, appending their notes to the sidecar
 * (fsynced) in capture order. So no note is ever durable before the records it covers, and appenders do not
 * wait for fsync or signing. Forced checkpoints (policy,
 * key, explicit, close) are awaited by their caller.
 *
 * <p>Once a write, fsync or note fails, the log is failed: every later append throws {@link AuditWriteException}
 * (EIO), so no decision is carried out unrecorded. The failure is logged at ERROR the moment it happens (a
 * checkpoint that fails in the background has no caller to tell), through {@link SafeLog} so that even a
 * logging backend out of descriptors cannot swallow it. A failed fsync or checkpoint note leaves what is on disk
 * uncertain: the log stays failed until a restart (whose recovery re-reads everything). A failed record write
 * (a rotation that found no descriptor, a full disk, a transient I/O error) is retried with a growing delay:
 * when the segment still ends with the record the chain ends with, what a short write left is cut off, a
 * {@code log_recovered} record says what happened, and appends go on ({@link #recoverNow}).
 */
public final class AuditLog implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(AuditLog.class.getName());
    /** The longest a {@link Durability#HELD} record waits for its write when no {@link #writeHeld} comes. */
    public static final long HOLD_MILLIS = 10;

    private final ReentrantLock lock = new ReentrantLock();
    private final Hashes hashes = new Hashes();
    /** The line being appended, encoded, hashed and written from one buffer (under the lock: one at a time). */
    private final CanonicalJson line = new CanonicalJson();
    /** This run's boot id as every record spells it, formatted once. */
    private final String boot = UUID.randomUUID().toString();

    private final AuditOptions options;
    private final SigningKey key;
    private final SegmentWriter segments;
    private final CheckpointStore checkpoints;
    private final MerkleFrontier tree;
    /** One thread: completes checkpoints in the order they were captured, and runs the timer. */
    private final ScheduledExecutorService checkpointer;

    private final WriterLock writerLock;
    private final GroupCommit commit;
    private final DiskBudget budget;
    /** Fsyncs and signs the captured heads on the checkpoint thread, in capture order. */
    private final CheckpointSigner signer;

    private final CheckpointObserver observer;
    /** Whether the log is failed and why; reports a failure and paces the recovery attempts. */
    private final LogFailure failures;
    /** The budget's refusals, and its changes of state logged and recorded; under the lock. */
    private final BudgetReports budgetReports;

    private byte[] chainHead;
    private long recordsSinceCheckpoint;
    /** Under the lock: a timer will write the held records (see {@link #HOLD_MILLIS}). */
    private boolean heldTimerArmed;

    private volatile boolean closed;
    private volatile SyncObserver syncObserver = SyncObserver.NONE;
    /** Under the lock: what rotations that failed set aside meanwhile, for the {@code log_recovered} record. */
    private final StrayPending.SetAsideNames strayWhileFailed = new StrayPending.SetAsideNames();

    private AuditLog(
            Path dir,
            SigningKey key,
            AuditOptions options,
            LogRecovery.State state,
            WriterLock writerLock,
            CheckpointObserver observer,
            SegmentWriter.SegmentFiles files)
            throws IOException {
        this.writerLock = writerLock;
        this.options = options;
        this.key = key;
        this.tree = state.tree();
        this.chainHead = state.chainHead();
        this.segments = new SegmentWriter(
                dir,
                options.maxSegmentBytes(),
                ZerosAhead.aheadFor(options.maxBytes()),
                state.lastSegment(),
                state.lastSegmentLength(),
                state.size(),
                files);
        this.checkpoints = CheckpointStore.openForAppend(dir);
        this.budget = diskBudget(dir, options);
        this.budgetReports = new BudgetReports(budget);
        this.failures = new LogFailure(options.clock(), this::scheduleRecovery);
        // Only what a signed checkpoint covers is known to be on disk: a crash may have left the rest of the
        // recovered records in the page cache of a machine that then lost power.
        this.commit = new GroupCommit(
                this::timedForce,
                state.signedSize(),
                e -> failures.fail("cannot fsync the audit segment", e, false),
                observer);
        ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "audit-checkpoint");
            t.setDaemon(true);
            return t;
        });
        executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(
                false); // a pending recovery retry must not delay close
        this.checkpointer = executor;
        this.signer = new CheckpointSigner(
                key, checkpoints, commit, budget, observer, failures, executor, state.lastCheckpoint());
        this.observer = observer;
    }

    private static DiskBudget diskBudget(Path dir, AuditOptions options) throws IOException {
        FileStore store = Files.getFileStore(dir); // reads the mount table once, now
        LongSupplier usable = () -> {
            try {
                return store.getUsableSpace();
            } catch (IOException e) {
                SafeLog.report(
                        LOG,
                        System.Logger.Level.WARNING,
                        "audit log: cannot read the free space of its" + " disk, taken as none: " + e.getMessage());
                return 0; // fail closed: a budget that cannot be checked is exhausted
            }
        };
        return new DiskBudget(
                options.maxBytes(),
                options.minFreeBytes(),
                DiskBudget.used(dir),
                usable,
                FreeInodes.of(dir, LOG),
                options.budgetVms());
    }

    /**
     * Opens (or creates) the log in {@code dir}, continuing an existing one. Records a START event (saying what
     * crash recovery found) and, when {@code key} differs from the key of the last checkpoint, a KEY_CHANGE event,
     * then signs a checkpoint.
     *
     * @throws LogInconsistentException the existing records do not continue cleanly; nothing is appended
     */
    public static AuditLog open(Path dir, SigningKey key, AuditOptions options)
            throws IOException, AuditWriteException {
        return open(dir, key, options, CheckpointObserver.NONE);
    }

    static AuditLog open(Path dir, SigningKey key, AuditOptions options, CheckpointObserver observer)
            throws IOException, AuditWriteException {
        return open(dir, key, options, observer, SegmentWriter.SegmentFiles.REAL);
    }

    static AuditLog open(
            Path dir,
            SigningKey key,
            AuditOptions options,
            CheckpointObserver observer,
            SegmentWriter.SegmentFiles files)
            throws IOException, AuditWriteException {
        Files.createDirectories(dir);
        WriterLock writerLock = WriterLock.acquire(dir);
        LogRecovery.State state;
        AuditLog log;
        try {
            state = LogRecovery.recover(dir, files);
            log = new AuditLog(dir, key, options, state, writerLock, observer, files);
        } catch (IOException | RuntimeException e) {
            writerLock.close();
            throw e;
        }
        try {
            log.start(state);
        } catch (AuditWriteException e) {
            log.checkpointer.shutdownNow();
            log.closeFiles();
            throw e;
        }
        log.failures.openedNow();
        return log;
    }

    private void start(LogRecovery.State state) throws AuditWriteException {
        Future<?> opened;
        lock.lock();
        try {
            // A crash hit between checkpoint records and their notes (appenders do not wait for signing, so
            // records may follow them): sign those heads first, in order, so that no checkpoint record of the
            // log stays without its note once later notes exist (the verifier would call that a deletion).
            Future<?> recovered = CompletableFuture.completedFuture(null);
            for (LogRecovery.UnsignedHead head : state.unsigned()) {
                recovered = signer.complete(new Checkpoint(
                        options.origin(),
                        head.size(),
                        head.root(),
                        head.chainHead(),
                        options.clock().instant()));
            }
            observer.beforeStartRecord(recovered);
            writeRecord(AuditEvent.Lifecycle.of(LifecycleKind.START, StartRecords.startDetail(state, key, options)));
            String keyChange = StartRecords.keyChangeDetail(state.lastSigner(), key);
            if (keyChange != null) {
                writeRecord(AuditEvent.Lifecycle.of(LifecycleKind.KEY_CHANGE, keyChange));
            }
            opened = signer.complete(capture("open"));
        } finally {
            lock.unlock();
        }
        CheckpointSigner.await(opened);
        if (!options.checkpointEvery().isZero()) {
            long ms = options.checkpointEvery().toMillis();
            checkpointer.scheduleWithFixedDelay(this::timedCheckpoint, ms, ms, TimeUnit.MILLISECONDS);
        }
    }

    /** Appends one record ({@link Durability#WRITTEN}) and returns its sequence number. */
    public long append(AuditEvent event) throws AuditWriteException {
        return append(event, Durability.WRITTEN);
    }

    /**
     * Appends one record that announces no change (a look, a denial, a session event) and returns its
     * sequence number once the record is as durable as asked.
     *
     * @throws AuditWriteException the record could not be written or, for {@link Durability#SYNCED}, not made
     *                             durable: the caller must not act on it (EIO)
     */
    public long append(AuditEvent event, Durability durability) throws AuditWriteException {
        return append(event, durability, DiskBudget.kindOf(event));
    }

    /**
     * Appends the record of a change the caller is about to make (an intent) and returns its sequence number once
     * the record is as durable as asked. Near the end of the disk budget these are refused first: the change is
     * then not made (fail closed), while the records of looks still fit.
     *
     * @throws AuditWriteException the record could not be written, not made durable as asked, or the disk budget
     *                             refuses changes: the caller must not make the change (EIO)
     */
    public long appendIntent(AuditEvent.Decision event, Durability durability) throws AuditWriteException {
        return appendIntent(event, durability, 0);
    }

    /**
     * As {@link #appendIntent(AuditEvent.Decision, Durability)}, for a change that will write {@code data} bytes of
     * guest data on this log's file system (a Twrite to a share there): the data takes the free space the records
     * need, so with a free-space reserve it counts against it and is refused before the last 20 % of it.
     *
     * @throws AuditWriteException as there; {@link AuditWriteException#ENOSPC} when the data is what does not fit
     */
    public long appendIntent(AuditEvent.Decision event, Durability durability, long data) throws AuditWriteException {
        return appendIntent(event, durability, data, 0);
    }

    /**
     * As {@link #appendIntent(AuditEvent.Decision, Durability, long)}, for a change that also makes {@code inodes}
     * inodes on this log's file system (a file, directory, symlink or node in a share there): with a free-space
     * reserve it is refused when they would take the free inodes the log's rotations need.
     *
     * @param data the bytes it writes, or its estimated footprint for a change without data (a directory's block)
     * @throws AuditWriteException as there; {@link AuditWriteException#ENOSPC} when the data or inodes do not fit
     */
    public long appendIntent(AuditEvent.Decision event, Durability durability, long data, long inodes)
            throws AuditWriteException {
        return append(event, durability, DiskBudget.Kind.CHANGE, data, inodes);
    }

    /**
     * Appends the record of how a change whose intent this log accepted turned out. Near the end of the disk budget
     * it is written as long as it fits, even for a VM past its share: there is at most one per accepted intent.
     *
     * @throws AuditWriteException the record could not be written or made as durable as asked
     */
    public long appendOutcome(AuditEvent.Decision event, Durability durability) throws AuditWriteException {
        return append(event, durability, DiskBudget.Kind.OUTCOME);
    }

    private long append(AuditEvent event, Durability durability, DiskBudget.Kind kind) throws AuditWriteException {
        return append(event, durability, kind, 0, 0);
    }

    private long append(AuditEvent event, Durability durability, DiskBudget.Kind kind, long data, long inodes)
            throws AuditWriteException {
        Future<?> forcedCheckpoint = null;
        long seq;
        lock.lock();
        try {
            seq = writeRecord(event, kind, data, inodes, durability == Durability.HELD);
            boolean forced = event instanceof AuditEvent.Lifecycle l && l.kind().forcesCheckpoint();
            if (forced) {
                forcedCheckpoint = signer.complete(capture("event"));
            } else if (recordsSinceCheckpoint >= options.checkpointRecords()) {
                signer.complete(capture("count"));
            }
        } finally {
            lock.unlock();
        }
        if (forcedCheckpoint != null) {
            CheckpointSigner.await(forcedCheckpoint);
        }
        if (durability == Durability.SYNCED) {
            try {
                commit.awaitDurable(seq + 1);
            } catch (IOException e) {
                throw new AuditWriteException("audit record " + seq + " is not durable: " + e.getMessage(), e);
            }
        }
        return seq;
    }

    /** Signs a checkpoint now (after appending its CHECKPOINT record) and returns it once it is durable. */
    public Checkpoint checkpoint() throws AuditWriteException {
        Checkpoint cp;
        Future<?> done;
        lock.lock();
        try {
            cp = capture("request");
            done = signer.complete(cp);
        } finally {
            lock.unlock();
        }
        CheckpointSigner.await(done);
        return cp;
    }

    /** From now on, {@code observer} sees how long each segment fsync takes (one observer; NONE to stop). */
    public void observeSyncs(SyncObserver observer) {
        syncObserver = Objects.requireNonNull(observer);
    }

    /** The segment fsync, timed for the {@link SyncObserver}; one caller at a time (the group commit's leader). */
    private long timedForce() throws IOException {
        long started = System.nanoTime();
        long covered = segments.force();
        try {
            syncObserver.synced(System.nanoTime() - started);
        } catch (
                RuntimeException
                        e) { // an observer's bug must not fail the log: GroupCommit would take it as the fsync's
            System.getLogger(AuditLog.class.getName()).log(System.Logger.Level.ERROR, "fsync observer failed (bug)", e);
        }
        return covered;
    }

    /** Segment fsyncs so far (checkpoints' and group commits'): records per fsync shows how well they batch. */
    public long fsyncs() {
        return commit.fsyncs();
    }

    /** How many records are known to be on disk (fsynced); the rest are in the kernel's page cache. */
    public long durableRecords() {
        return commit.durable();
    }

    /** The last checkpoint that is signed and durable, or null before the first. */
    public Checkpoint lastCheckpoint() {
        return signer.lastCheckpoint();
    }

    /**
     * Whether appends can still succeed: false once a write, fsync or note has failed or the log is closed. A
     * cheap check (two volatile reads, no lock) so that the gateway can refuse a request before touching the host
     * when its decision could not be recorded anyway (R-AUD-4).
     */
    public boolean writable() {
        if (failures.refusing()) {
            return false;
        }
        return !closed;
    }

    /**
     * Tries once to bring back a log that failed on a record write; true when it is writable. Under the append
     * lock: the current segment must still end with the record the chain ends with (else appending would
     * break the chain, and the log stays failed for good); what a short write left after it is cut off, a
     * rotation that failed is done now, and a {@code log_recovered} record and a checkpoint follow. Run by the
     * retry timer; package-private for tests.
     */
    boolean recoverNow() {
        lock.lock();
        try {
            LogFailure.Failure f = failures.current();
            if (f == null) {
                return true;
            }
            if (!f.retry() || closed) {
                return false;
            }
            long torn;
            try {
                torn = segments.repair(tree.size(), chainHead, hashes);
            } catch (LogInconsistentException e) {
                failures.stayFailed(f);
                SafeLog.report(
                        LOG,
                        System.Logger.Level.ERROR,
                        "audit log stays failed until a restart: " + e.getMessage() + " (after " + f.describe() + ")");
                return false;
            } catch (IOException e) {
                strayWhileFailed.note(e); // planted again: this retry's rotation set it aside too
                SafeLog.report(LOG, System.Logger.Level.WARNING, "audit log still cannot write: " + e);
                return false;
            }
            long failedMillis =
                    Duration.between(f.at(), options.clock().instant()).toMillis();
            long refused = failures.clearThenRefused();
            writeRecord(AuditEvent.Lifecycle.of(
                    LifecycleKind.LOG_RECOVERED,
                    "failed_ms=" + failedMillis + " refused=" + refused + " torn_bytes=" + torn
                            + strayWhileFailed.wordsThenForget() + " failure=" + f.describe()));
            signer.complete(capture("recovered"));
            failures.resetRetry();
            SafeLog.report(
                    LOG,
                    System.Logger.Level.WARNING,
                    "audit log recovered after " + failedMillis + " ms: " + f.describe());
            return true;
        } catch (AuditWriteException e) {
            return false; // it failed again, and failures.fail() scheduled the next attempt
        } finally {
            lock.unlock();
        }
    }

    private void retryRecovery() {
        if (!recoverNow()) {
            LogFailure.Failure f = failures.current();
            if (f != null && f.retry() && !closed) {
                failures.backOff();
                scheduleRecovery();
            }
        }
    }

    private void scheduleRecovery() {
        try {
            checkpointer.schedule(this::retryRecovery, failures.retryMillis(), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException closing) {
            // the log is being closed
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

    /** Records SHUTDOWN, signs a final checkpoint, waits for it and closes the files. */
    @Override
    public void close() throws AuditWriteException {
        AuditWriteException error = null;
        Future<?> last = null;
        lock.lock();
        try {
            if (closed) {
                return;
            }
            try {
                writeRecord(AuditEvent.Lifecycle.of(LifecycleKind.SHUTDOWN, null));
                last = signer.complete(capture("shutdown"));
            } catch (AuditWriteException e) {
                error = e;
            }
            closed = true;
        } finally {
            lock.unlock();
        }
        if (last != null) {
            try {
                CheckpointSigner.await(last);
            } catch (AuditWriteException e) {
                error = e;
            }
        }
        checkpointer.shutdown(); // not shutdownNow: an interrupt during fsync would close the segment channel
        closeFiles();
        if (error != null) {
            throw error;
        }
    }

    private void timedCheckpoint() {
        lock.lock();
        try {
            if (!closed && failures.current() == null && recordsSinceCheckpoint > 0) {
                signer.complete(capture("time"));
            }
        } catch (AuditWriteException e) {
            // failures.fail() has logged it; the next append reports it to the gateway as EIO.
        } finally {
            lock.unlock();
        }
    }

    /** Under the lock: appends the CHECKPOINT record and fixes the tree head it will sign. */
    private Checkpoint capture(String reason) throws AuditWriteException {
        writeRecord(AuditEvent.Lifecycle.of(
                LifecycleKind.CHECKPOINT, "reason=" + reason + segments.setAsideBySealsWords()));
        recordsSinceCheckpoint = 0;
        return new Checkpoint(
                options.origin(),
                tree.size(),
                tree.root(),
                chainHead,
                options.clock().instant());
    }

    /** The VM a guest-driven record is about, for its share of the disk budget; null for the log's own. */
    private static String vmOf(AuditEvent event) {
        return switch (event) {
            case AuditEvent.Decision d -> d.vm();
            case AuditEvent.Lifecycle l -> l.vm();
        };
    }

    /** One of the log's own records: never refused by the disk budget, written at once. */
    private long writeRecord(AuditEvent event) throws AuditWriteException {
        return writeRecord(event, DiskBudget.Kind.INTERNAL, 0, 0, false);
    }

    /**
     * @param data   bytes of guest data the change will write on the log's file system (0: none, or elsewhere)
     * @param inodes inodes the change will make there
     * @param hold   keep the line for {@link #writeHeld} ({@link Durability#HELD}) rather than write it (and every
     *               line held before it) now
     */
    private long writeRecord(AuditEvent event, DiskBudget.Kind kind, long data, long inodes, boolean hold)
            throws AuditWriteException {
        failures.rejectIfFailed();
        if (closed) {
            throw new AuditWriteException("audit log is closed", null);
        }
        long seq = tree.size();
        try {
            int length = RecordEncoder.encodeLine(
                    line, seq, boot, options.clock().instant(), statingTheChainRule(event), chainHead);
            byte[] bytes = line.buffer();
            if (length > SegmentReader.MAX_LINE_BYTES) {
                // Readers keep no longer line (a doctored one could exhaust their memory) and the verifier reports
                // one as MALFORMED: refuse this request's record, as the disk budget does, rather than store it.
                throw new AuditWriteException(
                        "audit record " + seq + " of " + length + " bytes is longer than a record may be ("
                                + SegmentReader.MAX_LINE_BYTES + ")",
                        null);
            }
            String vm = vmOf(event);
            DiskBudget.Verdict verdict = budget.admits(kind, vm, length + 1, data, inodes);
            if (verdict != DiskBudget.Verdict.ADMITTED) {
                reportBudget();
                throw budgetReports.refusal(verdict, vm, data, inodes);
            }
            if (hold ? segments.hold(bytes, length, seq) : segments.write(bytes, length, seq)) {
                sealSoon();
            }
            budget.wrote(kind, vm, length + 1, data, inodes);
            // Every record this writer appends is chained by its leaf hash, as its start and checkpoint records
            // state (statingTheChainRule; its first record is its start record): the line is hashed once.
            byte[] leaf = hashes.leaf(bytes, 0, length);
            tree.append(leaf);
            chainHead = hashes.leafChain(chainHead, leaf);
        } catch (SyncFailedException e) {
            throw failures.fail("cannot fsync the audit segment before rotating it", e, false);
        } catch (IOException e) {
            strayWhileFailed.note(e); // under the lock: its rotation set something aside
            throw failures.fail("cannot write audit record " + seq, e, true);
        } catch (RuntimeException e) {
            throw failures.fail("cannot write audit record " + seq, e, false);
        }
        if (!(event instanceof AuditEvent.Lifecycle l && l.kind() == LifecycleKind.CHECKPOINT)) {
            recordsSinceCheckpoint++;
        }
        if (kind != DiskBudget.Kind.INTERNAL) {
            reportBudget();
        }
        if (hold && !heldTimerArmed && segments.heldRecords() > 0) {
            armHeldTimer();
        }
        return seq;
    }

    /**
     * Hands every {@link Durability#HELD held} record to the kernel in one write(2), and returns at once when none
     * is. The caller acknowledges a held record (the gateway: sends the reply of its request) only after this
     * returned. A lock-free check first, so that a caller whose records a batch before it wrote pays nothing.
     *
     * @throws AuditWriteException they could not be written: the log is failed, as after a record's failed write
     *                             (the held records stay held, and a recovery writes them first), and none of them
     *                             may be acknowledged (EIO)
     */
    public void writeHeld() throws AuditWriteException {
        writeHeld(Long.MAX_VALUE);
    }

    /**
     * As {@link #writeHeld}, for a caller that acknowledges only the records up to {@code upTo} (one connection's):
     * it returns at once, without the lock and whatever the log's state, when that record was handed to the kernel
     * already (by another caller's batch, a later record's write or a recovery), so that a connection neither waits
     * for, nor writes, nor fails on the records of others. Otherwise it writes every held record, as
     * {@link #writeHeld} does.
     *
     * @throws AuditWriteException as {@link #writeHeld}
     */
    public void writeHeld(long upTo) throws AuditWriteException {
        if (allWrittenUpTo(upTo)) {
            return;
        }
        lock.lock();
        try {
            if (allWrittenUpTo(upTo)) {
                return;
            }
            AuditWriteException earlier = failures.failedEarlier();
            if (earlier != null) {
                throw earlier;
            }
            segments.writeHeld();
        } catch (IOException e) {
            throw failures.fail("cannot write held audit records", e, true);
        } finally {
            lock.unlock();
        }
    }

    /**
     * The highest sequence number whose line was handed to the kernel, every line before it too (-1: none); a line
     * only held, or whose write failed, is not counted. Read without the lock.
     */
    public long writtenThrough() {
        return segments.recordsWritten() - 1;
    }

    /**
     * Lock-free: whether record {@code upTo} needs no write. Nothing held means every appended record is written: a
     * batch's write counts its records before it empties the buffer.
     */
    private boolean allWrittenUpTo(long upTo) {
        return upTo <= writtenThrough() || segments.heldRecords() == 0;
    }

    /**
     * Under the lock: the records just held get written within {@link #HOLD_MILLIS} even if no one asks. Not with
     * {@code checkpointEvery} zero (no timers: tests that write held records when they choose).
     */
    private void armHeldTimer() {
        if (options.checkpointEvery().isZero()) {
            return;
        }
        try {
            checkpointer.schedule(this::writeHeldLate, HOLD_MILLIS, TimeUnit.MILLISECONDS);
            heldTimerArmed = true;
        } catch (RejectedExecutionException closing) {
            // the log is being closed, and its shutdown record writes them
        }
    }

    private void writeHeldLate() {
        lock.lock();
        try {
            heldTimerArmed = false;
            if (!closed && failures.current() == null) {
                segments.writeHeld();
            }
        } catch (IOException e) {
            failures.fail("cannot write held audit records", e, true);
        } finally {
            lock.unlock();
        }
    }

    /**
     * A start or checkpoint record states the chain rule of itself and the records after it (docs/audit-format.md
     * "Older logs"): this writer's, {@link LineHeader#LEAF_CHAIN}, whoever asked for the record (the gateway writes
     * a start record of its own).
     */
    private static AuditEvent statingTheChainRule(AuditEvent event) {
        if (event instanceof AuditEvent.Lifecycle l
                && (l.kind() == LifecycleKind.START || l.kind() == LifecycleKind.CHECKPOINT)) {
            String detail = l.detail() == null ? LineHeader.LEAF_CHAIN : l.detail() + " " + LineHeader.LEAF_CHAIN;
            return new AuditEvent.Lifecycle(l.kind(), l.vm(), l.session(), l.policyDigest(), detail);
        }
        return event;
    }

    /** Under the lock: what the budget has to report ({@link BudgetReports}), as {@code log_budget} records. */
    private void reportBudget() throws AuditWriteException {
        budgetReports.report(detail -> writeRecord(AuditEvent.Lifecycle.of(LifecycleKind.LOG_BUDGET, detail)));
    }

    /**
     * A segment was rotated away: its fsync (and its successor's name) is made on the checkpoint thread, not under
     * the lock every appender waits for (see {@link SegmentWriter}). A checkpoint's fsync, any group commit and
     * {@link #close} seal it too, whichever comes first.
     */
    private void sealSoon() {
        try {
            checkpointer.execute(() -> {
                try {
                    segments.seal();
                } catch (SyncFailedException e) {
                    failures.fail("cannot fsync the audit segment before rotating it", e, false);
                }
            });
        } catch (RejectedExecutionException closing) {
            // the log is being closed, and closing seals it
        }
    }

    private void closeFiles() {
        try {
            checkpointer.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        commit.close();
        try {
            segments.close();
        } catch (IOException e) {
            failures.fail("cannot close segment", e, false);
        }
        try {
            checkpoints.close();
        } catch (IOException e) {
            failures.fail("cannot close checkpoints", e, false);
        }
        try {
            writerLock.close();
        } catch (IOException e) {
            failures.fail("cannot release the writer lock", e, false);
        }
    }
}
