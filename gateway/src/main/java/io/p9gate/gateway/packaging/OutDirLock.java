package io.p9gate.gateway.packaging;

import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * The {@code --out} directory's flock(2), held by a run's commit and its putting back: two runs packaging into one
 * {@code --out} at once (two CI pipelines) each held only a lock of its own, so the second's commit, between the
 * first's renames, left the first's tarball beside the second's manifest and signature (PackageOutputsTogetherTest).
 * Taken on the directory's own descriptor: no file of ours in the operator's directory, no write access needed, and
 * released by the kernel when a run dies (SIGKILL), so none is ever left to clear by hand.
 */
final class OutDirLock implements AutoCloseable {
    /** How long a commit waits for another run's: a commit takes a second or two; one held this long is stuck. */
    static final Duration LONGEST_WAIT = Duration.ofSeconds(120);

    private static final long POLL_MILLIS = 100;
    private static final OutDirLock NONE = new OutDirLock(-1);

    /** How a commit waits its turn: at most {@code longest}, telling {@code said} once that it waits. */
    record Waiting(Duration longest, Consumer<String> said) {
        static Waiting saying(Consumer<String> said) {
            return new Waiting(LONGEST_WAIT, said);
        }
    }

    private final int fd; // -1: nothing held

    private OutDirLock(int fd) {
        this.fd = fd;
    }

    /**
     * {@code dir}'s lock, once no other run holds it. Tried without blocking, so that a stop (Ctrl-C, SIGTERM) while
     * it waits ends the wait: {@code stopped} true, nothing is held, and the commit, under its own lock, says it
     * stopped. Where the directory cannot be locked (opened: no read permission; flock: ENOLCK on NFS), the commit
     * goes on unlocked as before, said once.
     */
    static OutDirLock take(Path dir, Waiting waiting, BooleanSupplier stopped) throws IOException {
        int fd;
        try {
            fd = DirectoryFlock.open(dir);
        } catch (P9Exception e) {
            return unlocked(dir, waiting, e);
        }
        try {
            return waitFor(fd, dir, waiting, stopped);
        } catch (IOException | RuntimeException e) {
            DirectoryFlock.close(fd);
            throw e;
        }
    }

    private static OutDirLock waitFor(int fd, Path dir, Waiting waiting, BooleanSupplier stopped) throws IOException {
        long deadline = System.nanoTime() + waiting.longest().toNanos();
        boolean said = false;
        while (!stopped.getAsBoolean()) {
            try {
                DirectoryFlock.flock(fd, DirectoryFlock.LOCK_EX | DirectoryFlock.LOCK_NB);
                return new OutDirLock(fd);
            } catch (P9Exception e) {
                if (e.errno() != Errno.EWOULDBLOCK && e.errno() != Errno.EINTR) {
                    DirectoryFlock.close(fd);
                    return unlocked(dir, waiting, e);
                }
            }
            if (System.nanoTime() - deadline >= 0) {
                throw new IOException("gave up after " + waiting.longest().toSeconds()
                        + " s waiting for another package run committing into " + dir
                        + " (or any process that can read it holding its flock): this run replaced none of its files"
                        + " there; run it again");
            }
            if (!said) {
                waiting.said().accept("waiting for another package run committing into " + dir);
                said = true;
            }
            try {
                Thread.sleep(POLL_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted waiting for another package run committing into " + dir);
            }
        }
        DirectoryFlock.close(fd);
        return NONE;
    }

    private static OutDirLock unlocked(Path dir, Waiting waiting, P9Exception e) {
        waiting.said()
                .accept("cannot lock " + dir + " (" + e.errno().name()
                        + "): another package run committing into it at the same time is not kept out");
        return NONE;
    }

    /** Lets the next run commit: close(2) of the only descriptor releases the lock. */
    @Override
    public void close() {
        if (fd >= 0) {
            DirectoryFlock.close(fd);
        }
    }
}
