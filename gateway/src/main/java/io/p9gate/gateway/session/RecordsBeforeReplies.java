package io.p9gate.gateway.session;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.p9gate.gateway.proto.P9Exception;

/**
 * Next to the socket: every flush of the connection, whoever asks for it (the session at the end of a batch, a TLS
 * engine, a close), first has the audit records of the requests answered written ({@link
 * RequestHandlerFactory#writeRecords}: the audit log holds the records of requests that change nothing and writes a
 * batch of them at once). So no reply leaves before its record has reached the kernel, and a crash of the process
 * loses no record of a request the guest was answered (R-ROB-3). If they cannot be written (the log has failed),
 * the connection is closed here, below any TLS engine: the replies not yet flushed are dropped unsent, as a crash
 * would drop them, and the log refuses every request until it recovers.
 */
final class RecordsBeforeReplies extends ChannelOutboundHandlerAdapter {
    private static final System.Logger LOG = System.getLogger(RecordsBeforeReplies.class.getName());
    private final RequestHandlerFactory records;
    private boolean failed;

    RecordsBeforeReplies(RequestHandlerFactory records) {
        this.records = records;
    }

    @Override
    public boolean isSharable() {
        return false;
    }

    @Override
    public void flush(ChannelHandlerContext ctx) {
        if (failed) {
            return; // closing: nothing written after the failure leaves either
        }
        try {
            records.writeRecords();
        } catch (P9Exception | RuntimeException e) {
            failed = true;
            LOG.log(
                    System.Logger.Level.DEBUG,
                    () -> "closing a connection whose replies' audit records cannot be written: " + e.getMessage());
            ctx.close();
            return;
        }
        ctx.flush();
    }
}
