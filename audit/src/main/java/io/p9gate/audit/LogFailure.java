package io.p9gate.audit;

import java.time.Clock;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;

/**
 * Whether the {@link AuditLog} is failed, and why ({@link AuditLog}: once a write, fsync or note fails, every later
 * append throws): the first failure wins and is reported at ERROR the moment it happens; when a record write failed,
 * recovery attempts follow with a growing delay. Set from an appender, the fsync or the checkpoint thread.
 */
final class LogFailure {
    /** The log's own logger: operators filter its failures by that name. */
    private static final System.Logger LOG = System.getLogger(AuditLog.class.getName());

    private static final long FIRST_RETRY_MILLIS = 1_000;
    private static final long MAX_RETRY_MILLIS = 30_000;

    /** @param retry whether {@link AuditLog#recoverNow} may bring the log back (a record write failed) */
    record Failure(String message, Throwable cause, boolean retry, Instant at) {
        String describe() {
            return message + ": " + WriteFailureText.of(cause);
        }
    }

    private final Clock clock;
    /** Schedules {@link AuditLog}'s next recovery attempt, {@link #retryMillis} from now. */
    private final Runnable scheduleRecovery;
    /** Why the log cannot append, or null; set from an appender, the fsync or the checkpoint thread. */
    private final AtomicReference<Failure> failure = new AtomicReference<>();
    /** Requests refused while failed, for the {@code log_recovered} record. */
    private final LongAdder refused = new LongAdder();
    /** Delay before the next recovery attempt; doubles up to {@link #MAX_RETRY_MILLIS}. */
    private volatile long retryMillis = FIRST_RETRY_MILLIS;
    /** Set once the log's start returned: a failure before is the open's, thrown to its caller, not reported here. */
    private volatile boolean started;
    /** The failure last reported: the open's end and a failure at that moment may both see it, one says it. */
    private final AtomicReference<Failure> reported = new AtomicReference<>();

    LogFailure(Clock clock, Runnable scheduleRecovery) {
        this.clock = clock;
        this.scheduleRecovery = scheduleRecovery;
    }

    /**
     * Marks the log failed (the first failure wins), reports it at once, and schedules recovery if allowed. While the
     * log opens it only marks it: the open then fails with this exception and closes the log, no retry comes, and
     * its caller says why (a serve that stops): "retrying" was promised by a process that was exiting.
     */
    AuditWriteException fail(String message, Throwable cause, boolean retry) {
        Failure f = new Failure(message, cause, retry, clock.instant());
        if (failure.compareAndSet(null, f) && started) {
            report(f);
        }
        return new AuditWriteException(f.describe(), cause);
    }

    private void report(Failure f) {
        if (reported.getAndSet(f) == f) {
            return;
        }
        SafeLog.report(
                LOG,
                System.Logger.Level.ERROR,
                "audit log failed, every further operation is refused"
                        + " (EIO): " + f.describe()
                        + (f.retry()
                                ? "; retrying in " + retryMillis + " ms"
                                : "; it stays failed until a restart (what is on disk is uncertain)"));
        if (f.retry()) {
            scheduleRecovery.run();
        }
    }

    /** The log is open: a failure marked while it opened that the open did not throw is reported now. */
    void openedNow() {
        started = true;
        Failure f = failure.get();
        if (f != null) {
            report(f);
        }
    }

    /** @throws AuditWriteException the log is failed (EIO); the refusal is counted for {@code log_recovered} */
    void rejectIfFailed() throws AuditWriteException {
        AuditWriteException earlier = failedEarlier();
        if (earlier != null) {
            refused.increment();
            throw earlier;
        }
    }

    /** The refusal of a failed log, not counted (the log's own held records), or null where it is not failed. */
    AuditWriteException failedEarlier() {
        Failure earlier = failure.get();
        return earlier == null
                ? null
                : new AuditWriteException("audit log failed earlier: " + earlier.describe(), earlier.cause());
    }

    /** Whether the log is failed; a request it refuses so is counted, as {@link #rejectIfFailed} counts. */
    boolean refusing() {
        if (failure.get() != null) {
            refused.increment();
            return true;
        }
        return false;
    }

    /** Why the log is failed, or null. */
    Failure current() {
        return failure.get();
    }

    /** The file no longer holds what the writer wrote: {@code f} is kept, but no recovery may bring the log back. */
    void stayFailed(Failure f) {
        failure.set(new Failure(f.message(), f.cause(), false, f.at()));
    }

    /** The log recovered: it is no longer failed; returns the requests refused meanwhile, and counts from zero. */
    long clearThenRefused() {
        failure.set(null);
        return refused.sumThenReset();
    }

    long retryMillis() {
        return retryMillis;
    }

    /** Another attempt failed: the next waits twice as long, up to {@link #MAX_RETRY_MILLIS}. */
    void backOff() {
        retryMillis = Math.min(retryMillis * 2, MAX_RETRY_MILLIS);
    }

    /** The log recovered: a later failure's first attempt comes after {@link #FIRST_RETRY_MILLIS} again. */
    void resetRetry() {
        retryMillis = FIRST_RETRY_MILLIS;
    }
}
