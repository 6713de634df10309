package io.p9gate.bench.load;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.RMessage;
import io.p9gate.gateway.proto.TMessage;
import java.io.IOException;

/**
 * Sequential write and read of one file with iounit-sized Twrite/Tread at increasing offsets,
 * {@code concurrency} of them outstanding (as a kernel client with readahead/writeback would).
 */
final class SequentialWorkloads {
    private static final int O_RDONLY = 0;
    private static final int O_WRONLY = 1;
    private static final int O_CREAT = 0100;
    private static final int O_TRUNC = 01000;
    private static final double MIB = 1024.0 * 1024.0;

    private final LoadSession session;
    private final String name;
    private final long size;
    private final int concurrency;

    SequentialWorkloads(LoadSession session, String name, long size, int concurrency) {
        this.session = session;
        this.name = name;
        this.size = size;
        this.concurrency = concurrency;
    }

    /** Creates (truncates) the file and writes {@code size} bytes; the time includes create and clunk. */
    LoadResult write() throws IOException, P9Exception {
        long start = System.nanoTime();
        int fid = session.walkFromRoot();
        int chunk = session.ioChunk(session.client()
                .lcreate(fid, name, O_WRONLY | O_CREAT | O_TRUNC, 0644, 0)
                .iounit());
        ByteBuf pattern = Unpooled.directBuffer(chunk).writeZero(chunk);
        try {
            Window window = new Window(session.client(), concurrency);
            for (long offset = 0; offset < size; offset += chunk) {
                int n = (int) Math.min(chunk, size - offset);
                // Each Twrite gets its own view of the shared pattern; the encoder releases it.
                window.send(
                        new TMessage.Twrite(fid, offset, pattern.retainedSlice(0, n)),
                        reply -> ((RMessage.Rwrite) reply).count());
            }
            return finish(Workload.SEQ_WRITE, window, fid, start);
        } finally {
            pattern.release();
        }
    }

    /** Reads the file back; the time includes walk, open and clunk. */
    LoadResult read() throws IOException, P9Exception {
        long start = System.nanoTime();
        int fid = session.walkFromRoot(name);
        int chunk = session.ioChunk(session.client().lopen(fid, O_RDONLY).iounit());
        Window window = new Window(session.client(), concurrency);
        for (long offset = 0; offset < size; offset += chunk) {
            window.send(
                    new TMessage.Tread(fid, offset, (int) Math.min(chunk, size - offset)),
                    reply -> ((RMessage.Rread) reply).data().readableBytes());
        }
        return finish(Workload.SEQ_READ, window, fid, start);
    }

    /** Waits for the last reply, clunks, and checks that every byte was transferred. */
    private LoadResult finish(Workload workload, Window window, int fid, long start) throws IOException, P9Exception {
        long transferred = window.drain();
        session.client().clunk(fid);
        long nanos = System.nanoTime() - start;
        if (transferred != size) {
            throw new IOException(workload.cliName() + " moved " + transferred + " of " + size + " bytes");
        }
        return LoadResult.rate(workload, size / MIB, nanos, "MiB/s");
    }

    /** Unlinks the file (best effort: it may never have been created). */
    void remove() throws IOException {
        try {
            session.unlink(LoadSession.ROOT_FID, name, false);
        } catch (P9Exception e) {
            // nothing to clean up
        }
    }
}
