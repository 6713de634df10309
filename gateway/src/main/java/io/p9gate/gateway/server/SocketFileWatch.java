package io.p9gate.gateway.server;

import io.netty.channel.Channel;
import java.io.IOException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Keeps the Unix listeners reachable by their paths: connect(2) finds a listener by the inode at its socket's path,
 * so once a host user or a cleaner of the socket's directory deletes or replaces the file, no VM can connect while the
 * gateway runs on. Each listener's file is looked at every {@link #EVERY} (one lstat); one deleted (or replaced by a
 * stale socket) is bound again as at start. A file there that the start would refuse too (no socket, a socket another
 * process listens on) is not the gateway's to remove: it is said once, loudly, and kept in {@link #lost} (metrics,
 * {@code p9gate status}) until it is gone and the socket is back.
 */
final class SocketFileWatch implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(SocketFileWatch.class.getName());
    /** How often the socket files are looked at. */
    static final Duration EVERY = Duration.ofSeconds(5);

    /** What the gateway does for a listener whose socket file is lost. */
    interface Rebinding {
        /** Binds {@code fresh} as at start (its socket file in place) or fails, leaving nothing of it behind. */
        void bindAgain(UnixBinder fresh) throws IOException;

        /** Stops serving the listener {@code old} (its server channel {@code server}), replaced by a fresh one. */
        void retire(UnixBinder old, Channel server);
    }

    /** Each Unix listener and its server channel; guarded by this. */
    private final Map<UnixBinder, Channel> listeners = new LinkedHashMap<>();
    /** Each listener whose socket file is lost and could not be bound again, by description, and why. */
    private final Map<String, String> lost = new ConcurrentHashMap<>();
    /** Null until {@link #start}, and without Unix listeners. */
    private ScheduledExecutorService timer;

    private boolean closed;

    synchronized void add(UnixBinder binder, Channel server) {
        listeners.put(binder, server);
    }

    /** Runs {@code check} every {@link #EVERY}, if there is any Unix listener. */
    synchronized void start(Runnable check) {
        if (listeners.isEmpty() || closed) {
            return;
        }
        timer = Executors.newSingleThreadScheduledExecutor(task -> {
            Thread t = new Thread(task, "p9gate-socket-watch");
            t.setDaemon(true);
            return t;
        });
        long every = EVERY.toMillis();
        timer.scheduleWithFixedDelay(
                () -> {
                    try {
                        check.run();
                    } catch (RuntimeException e) { // one failed look must not end the watch
                        LOG.log(System.Logger.Level.WARNING, () -> "checking the socket files: " + e);
                    }
                },
                every,
                every,
                TimeUnit.MILLISECONDS);
    }

    /** Looks at every listener's socket file once, and binds again through {@code rebinding} those lost. */
    synchronized void check(Rebinding rebinding) {
        if (closed) {
            return;
        }
        for (Map.Entry<UnixBinder, Channel> listener : List.copyOf(listeners.entrySet())) {
            UnixBinder old = listener.getKey();
            String where = old.spec().describe();
            Optional<String> gone = old.socketFileLost();
            if (gone.isEmpty()) {
                lost.remove(where);
                continue;
            }
            try {
                rebinding.bindAgain(new UnixBinder(old.spec()));
            } catch (IOException | RuntimeException e) {
                String why = gone.get() + ", and it cannot be bound again: " + e.getMessage();
                if (!why.equals(lost.put(where, why))) {
                    LOG.log(
                            System.Logger.Level.WARNING,
                            () -> "listener " + where + ": " + why + "; no VM can connect there until it can be"
                                    + " bound again (looked at every " + EVERY.toSeconds() + " s)");
                }
                continue;
            }
            listeners.remove(old);
            rebinding.retire(old, listener.getValue());
            lost.remove(where);
            LOG.log(
                    System.Logger.Level.WARNING,
                    () -> "listener " + where + ": " + gone.get() + "; bound it again, VMs can connect again");
        }
    }

    /** Each listener whose socket file is lost and could not be bound again, by listener, and why. */
    Map<String, String> lost() {
        return Map.copyOf(lost);
    }

    /** Every Unix listener, by its description, and whether its socket file is lost. */
    synchronized Map<String, Boolean> byListener() {
        Map<String, Boolean> each = new LinkedHashMap<>();
        listeners.keySet().forEach(u -> each.put(u.spec().describe(), false));
        lost.keySet().forEach(where -> each.put(where, true));
        return each;
    }

    /** No listener is bound again after this returns. */
    @Override
    public synchronized void close() {
        closed = true;
        if (timer != null) {
            timer.shutdownNow();
        }
    }
}
