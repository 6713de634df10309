package io.p9gate.gateway.backend;

import static io.p9gate.gateway.backend.HostMoves.IN_DELETE_SELF;
import static io.p9gate.gateway.backend.HostMoves.IN_IGNORED;
import static io.p9gate.gateway.backend.HostMoves.IN_ONLYDIR;
import static io.p9gate.gateway.backend.HostMoves.LOCK;

import io.p9gate.gateway.proto.P9Exception;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * For tests: waits until one VM's reader ({@link VmInotify}) has handled every event its kernel queue held. A watch
 * added and removed here queues an IN_IGNORED behind those events (events are read in order), which the reader hands
 * back here instead of taking it for a watch's.
 */
final class QueueMarkers {
    /** The markers' IN_IGNORED the readers have read: a test's wait is not what it measures. */
    private static final LongAdder READ = new LongAdder();

    /** Markers removed and not yet read, by descriptor: their IN_IGNORED ends the wait. */
    private final Map<Integer, CountDownLatch> waiting = new ConcurrentHashMap<>();

    /** Whether the event is a marker's IN_IGNORED; if so, its wait ends. */
    boolean take(int wd, int mask) {
        CountDownLatch seen = (mask & IN_IGNORED) != 0 ? waiting.remove(wd) : null;
        if (seen == null) {
            return false;
        }
        READ.increment();
        seen.countDown();
        return true;
    }

    static long read() {
        return READ.sum();
    }

    /**
     * Returns once every event queued in instance {@code fd} before the call has been handled. While the queue is
     * full (an overflow the reader has not read yet) the kernel drops the marker's IN_IGNORED, so another is queued
     * each second until one is read.
     *
     * @throws IllegalStateException if the events are not being read
     */
    void await(int fd, String vm) throws InterruptedException {
        Path marker;
        try {
            marker = Files.createTempDirectory("p9gate-host-moves");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        // Every marker issued counts down the one latch, left registered: one read late is still behind the events.
        CountDownLatch seen = new CountDownLatch(1);
        try {
            for (int second = 0; second < 60; second++) {
                int wd;
                synchronized (LOCK) { // as a watch is added: its IN_IGNORED is read after it is registered
                    wd = LinuxSyscalls.inotifyAddWatch(fd, marker.toString(), IN_ONLYDIR | IN_DELETE_SELF);
                    waiting.put(wd, seen);
                }
                LinuxSyscalls.inotifyRmWatch(fd, wd);
                if (seen.await(1, TimeUnit.SECONDS)) {
                    return;
                }
            }
            throw new IllegalStateException("the host moves' events of VM " + vm + " are not being read");
        } catch (P9Exception e) {
            throw new IllegalStateException(e);
        } finally {
            try {
                Files.deleteIfExists(marker);
            } catch (IOException e) {
                // a scratch directory left in the temp directory
            }
        }
    }
}
