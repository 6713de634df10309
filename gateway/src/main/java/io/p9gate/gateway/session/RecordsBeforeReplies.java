package io.p9gate.gateway.session;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.p9gate.gateway.proto.P9Exception;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Next to the socket: every flush of the connection, whoever asks for it (the session at the end of a batch, a TLS
 * engine, a close), first has the audit records of the requests answered written ({@link
 * RequestHandlerFactory#writeRecords} of the connection's {@link RequestHandlerFactory#forConnection view}: the audit
 * log holds the records of requests that change nothing and writes a batch of them at once; a connection whose records
 * are written already goes on at once). So no reply leaves before its record has reached the kernel, and a crash of
 * the process loses no record of a request the guest was answered (R-ROB-3).
 *
 * <p>If they cannot be written (the log has failed), the flush waits: the replies stay queued, unsent, and the flush
 * is tried again every {@link #RETRY_MILLIS} ms (only a connection with a record among them waits), so that when the
 * log recovers (it writes the held lines again) they leave as they are. A guest's mount thus survives a short
 * failure of the log's disk (the Linux client does not reconnect); meanwhile its new requests are refused with EIO by
 * the log, and a guest that keeps sending meets the outbound limit as one that does not read. Only when the log has
 * not recovered after {@link #GIVE_UP_MILLIS} ms is the connection closed, below any TLS engine, dropping the replies
 * unsent as a crash would.
 */
final class RecordsBeforeReplies extends ChannelOutboundHandlerAdapter {
    static final long RETRY_MILLIS = 100;
    /** Longer than the log's first recovery attempts (1 s, then doubling). */
    static final long GIVE_UP_MILLIS = 30_000;

    private static final System.Logger LOG = System.getLogger(RecordsBeforeReplies.class.getName());
    private static final long NOT_WAITING = Long.MIN_VALUE;

    private final RequestHandlerFactory records;
    private final LongSupplier nanoClock;
    private final long retryMillis;
    private final long giveUpNanos;
    /** When the first flush that could not go found the records unwritable; {@link #NOT_WAITING} otherwise. */
    private long waitingSince = NOT_WAITING;

    private boolean retryQueued;
    private boolean gaveUp;

    RecordsBeforeReplies(RequestHandlerFactory records) {
        this(records, System::nanoTime, RETRY_MILLIS, GIVE_UP_MILLIS);
    }

    /** Test seam: the clock, how soon a waiting flush is tried again, and how long it waits at most. */
    RecordsBeforeReplies(RequestHandlerFactory records, LongSupplier nanoClock, long retryMillis, long giveUpMillis) {
        this.records = records;
        this.nanoClock = nanoClock;
        this.retryMillis = retryMillis;
        this.giveUpNanos = TimeUnit.MILLISECONDS.toNanos(giveUpMillis);
    }

    @Override
    public boolean isSharable() {
        return false;
    }

    @Override
    public void flush(ChannelHandlerContext ctx) {
        if (gaveUp) {
            return; // closing: nothing written after the failure leaves either
        }
        try {
            records.writeRecords();
        } catch (P9Exception | RuntimeException e) {
            waitForTheLog(ctx, e);
            return;
        }
        waitingSince = NOT_WAITING;
        ctx.flush();
    }

    private void waitForTheLog(ChannelHandlerContext ctx, Exception e) {
        long now = nanoClock.getAsLong();
        if (waitingSince == NOT_WAITING) {
            waitingSince = now;
        } else if (now - waitingSince >= giveUpNanos) {
            gaveUp = true;
            LOG.log(
                    System.Logger.Level.DEBUG,
                    () -> "closing a connection whose replies' audit records could not be written for "
                            + TimeUnit.NANOSECONDS.toSeconds(now - waitingSince) + " s: " + e.getMessage());
            ctx.close();
            return;
        }
        if (retryQueued) {
            return;
        }
        retryQueued = true;
        try {
            ctx.executor().schedule(() -> retry(ctx), retryMillis, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException shuttingDown) {
            gaveUp = true;
            ctx.close();
        }
    }

    private void retry(ChannelHandlerContext ctx) {
        retryQueued = false;
        if (ctx.channel().isOpen()) {
            flush(ctx);
        }
    }
}
