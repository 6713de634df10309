package io.p9gate.bench.load;

import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.proto.Attr;
import io.p9gate.gateway.proto.P9Exception;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Small-file metadata: {@code concurrency} threads making blocking calls on the one session, so
 * that many requests are outstanding at once. {@link #meta} mirrors the guest workload (create,
 * stat, unlink every file, phase by phase); {@link #getattr} is Tgetattr alone.
 */
final class MetadataWorkloads {
    private static final int O_WRONLY = 1;
    private static final int O_CREAT = 0100;
    private static final int O_EXCL = 0200;

    private final LoadSession session;
    private final String dirName;
    private final int files;
    private final int concurrency;
    private String phases = "";

    MetadataWorkloads(LoadSession session, String dirName, int files, int concurrency) {
        this.session = session;
        this.dirName = dirName;
        this.files = files;
        this.concurrency = concurrency;
    }

    /** One step for file number {@code i}, from a worker thread. */
    private interface Step {
        void run(P9Client client, int dirFid, int i) throws IOException, P9Exception;
    }

    /** Tlcreate+Tclunk, walk+Tgetattr+Tclunk, Tunlinkat per file: 3 operations per file. */
    LoadResult meta() throws IOException, P9Exception {
        P9Client client = session.client();
        client.mkdir(LoadSession.ROOT_FID, dirName, 0755, 0);
        int dirFid = session.walkFromRoot(dirName);
        try {
            long start = System.nanoTime();
            inParallel(dirFid, files, (c, dir, i) -> {
                int fid = session.newFid();
                c.walk(dir, fid);
                c.lcreate(fid, "f" + i, O_WRONLY | O_CREAT | O_EXCL, 0644, 0);
                c.clunk(fid);
            });
            long created = System.nanoTime();
            inParallel(dirFid, files, (c, dir, i) -> {
                int fid = session.newFid();
                c.walk(dir, fid, "f" + i);
                c.getattr(fid, Attr.GETATTR_BASIC);
                c.clunk(fid);
            });
            long statted = System.nanoTime();
            inParallel(dirFid, files, (c, dir, i) -> session.unlink(dir, "f" + i, false));
            long end = System.nanoTime();
            long nanos = end - start;
            phases = String.format(
                    Locale.ROOT,
                    "create %.0f ms, stat %.0f ms, unlink %.0f ms",
                    (created - start) / 1e6,
                    (statted - created) / 1e6,
                    (end - statted) / 1e6);
            return LoadResult.rate(Workload.META, 3.0 * files, nanos, "ops/s");
        } finally {
            client.clunk(dirFid);
            session.unlink(LoadSession.ROOT_FID, dirName, true);
        }
    }

    /** How long each phase of the last {@link #meta} took, for the notes. */
    String phases() {
        return phases;
    }

    /** Tgetattr of one file, {@code 20 * files} times. */
    LoadResult getattr() throws IOException, P9Exception {
        P9Client client = session.client();
        String name = dirName + ".attr";
        int fid = session.walkFromRoot();
        client.lcreate(fid, name, O_WRONLY | O_CREAT, 0644, 0);
        try {
            int count = 20 * files;
            long start = System.nanoTime();
            inParallel(fid, count, (c, f, i) -> c.getattr(f, Attr.GETATTR_BASIC));
            long nanos = System.nanoTime() - start;
            return LoadResult.rate(Workload.GETATTR, count, nanos, "ops/s");
        } finally {
            client.clunk(fid);
            session.unlink(LoadSession.ROOT_FID, name, false);
        }
    }

    /** Runs {@code step} for 0..count-1, spread over {@code concurrency} threads; waits for all. */
    private void inParallel(int fid, int count, Step step) throws IOException, P9Exception {
        ExecutorService pool = Executors.newFixedThreadPool(concurrency);
        try {
            List<Future<Void>> workers = new ArrayList<>();
            for (int t = 0; t < concurrency; t++) {
                int first = t;
                workers.add(pool.submit(() -> {
                    for (int i = first; i < count; i += concurrency) {
                        step.run(session.client(), fid, i);
                    }
                    return null;
                }));
            }
            for (Future<Void> worker : workers) {
                awaitWorker(worker);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private static void awaitWorker(Future<Void> worker) throws IOException, P9Exception {
        try {
            worker.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted");
        } catch (ExecutionException e) {
            switch (e.getCause()) {
                case P9Exception p9 -> throw p9;
                case IOException io -> throw io;
                case RuntimeException re -> throw re;
                case Throwable other -> throw new IOException(other);
            }
        }
    }
}
