package io.p9gate.audit.verify;

import io.p9gate.audit.CheckpointStore;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.function.LongPredicate;

/**
 * Whether the sidecar holds a well-formed note (signed by anyone) of a size a checkpoint record announces. The
 * writer appends notes in size order and the records announce sizes in that order too, so a second reader walks the
 * sidecar alongside the queries and holds nothing. A "no" is final only if the order held to the sidecar's end:
 * when it did not (a doctored sidecar or log), {@link #finish} answers again from every size, sorted (8 bytes a
 * note).
 */
final class NoteSizes implements Closeable {
    private final Path dir;
    private final CheckpointStore.Entries entries;
    private long next = -1;
    private boolean exhausted;
    private long lastQuery = -1;
    private boolean inOrder = true;
    /** Every size, sorted, once {@link #exactly} was asked: each answer from then on is final. */
    private long[] sorted;

    NoteSizes(Path dir) throws IOException {
        this.dir = dir;
        this.entries = CheckpointStore.entries(dir);
    }

    /** True when a note of {@code size} is there; false may be revised by {@link #finish}. */
    boolean contains(long size) throws IOException {
        if (sorted != null) {
            return Arrays.binarySearch(sorted, size) >= 0;
        }
        if (size < lastQuery) {
            inOrder = false;
            return false;
        }
        lastQuery = size;
        while (!exhausted && next < size) {
            advance();
        }
        return !exhausted && next == size;
    }

    private void advance() throws IOException {
        for (CheckpointStore.Entry e = entries.next(); e != null; e = entries.next()) {
            long size = CheckpointStream.size(e);
            if (size >= 0) {
                inOrder &= size >= next;
                next = size;
                return;
            }
        }
        exhausted = true;
    }

    /** Null when every "no" given was final; otherwise the full answer, to ask again. */
    LongPredicate finish() throws IOException {
        while (sorted == null && !exhausted && inOrder) {
            advance();
        }
        return sorted == null && inOrder ? null : exactly();
    }

    /**
     * From now on every answer from every size, sorted (8 bytes a note), so each is final; the answer, to ask again
     * what was asked before. For a caller that cannot keep its "no"s to ask again: one note moved up the sidecar made
     * every later "no" wrong (ReorderedSidecarVerifyTest).
     */
    LongPredicate exactly() throws IOException {
        if (sorted == null) {
            sorted = allSizes();
        }
        long[] all = sorted;
        return size -> Arrays.binarySearch(all, size) >= 0;
    }

    /** Whether {@link #exactly} was asked: every answer since is final. */
    boolean answersFinal() {
        return sorted != null;
    }

    private long[] allSizes() throws IOException {
        long[] sizes = new long[1024];
        int n = 0;
        try (CheckpointStore.Entries all = CheckpointStore.entries(dir)) {
            for (CheckpointStore.Entry e = all.next(); e != null; e = all.next()) {
                long size = CheckpointStream.size(e);
                if (size >= 0) {
                    if (n == sizes.length) {
                        sizes = Arrays.copyOf(sizes, n * 2);
                    }
                    sizes[n++] = size;
                }
            }
        }
        long[] all = Arrays.copyOf(sizes, n);
        Arrays.sort(all);
        return all;
    }

    @Override
    public void close() throws IOException {
        entries.close();
    }
}
