package io.p9gate.gateway.server;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Keeps Unix sockets reachable by their paths: connect(2) finds a listener by the inode at its socket's path, so
 * once a host user or a cleaner of the socket's directory deletes or replaces the file, no client can connect while
 * the gateway runs on. Each socket's file is looked at every {@link #EVERY} (one lstat); one deleted (or replaced by
 * a stale socket) is bound again as at start. A file there that the start would refuse too (no socket, a socket
 * another process listens on) is not the gateway's to remove: it is said once, loudly, and kept in {@link #lost}
 * (metrics, {@code p9gate status}) until it is gone and the socket is back. Used for the VMs' Unix listeners and for
 * the metrics endpoint's socket.
 */
public final class SocketFileWatch implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(SocketFileWatch.class.getName());
    /** How often the socket files are looked at. */
    public static final Duration EVERY = Duration.ofSeconds(5);

    /** A socket this process bound at a path, which can be bound again there. */
    public interface Bound {
        /** What it is, for the log and the metrics: {@code unix:PATH}. */
        String describe();

        /** Why no client can reach it by its path any more ({@link #lostAt}); empty while its file is there. */
        Optional<String> socketFileLost();

        /** A fresh socket at the same path, bound as at start; or fails, leaving nothing of it behind. */
        Bound bindAgain() throws IOException;

        /** Stops serving this one, whose path a fresh one ({@link #bindAgain}) has taken. */
        void retire();
    }

    /** What is watched and who connects to it, for the log lines ("listener", "VMs"). */
    private final String what;

    private final String clients;
    /** Each socket watched; guarded by this. */
    private final List<Bound> sockets = new ArrayList<>();
    /** Each socket whose file is lost and could not be bound again, by description, and why. */
    private final Map<String, String> lost = new ConcurrentHashMap<>();
    /** Null until {@link #start}, and with nothing to watch. */
    private ScheduledExecutorService timer;

    private boolean closed;

    public SocketFileWatch(String what, String clients) {
        this.what = what;
        this.clients = clients;
    }

    /**
     * Why no client can reach a socket this process put at {@code path} (its identity {@code published}, a
     * {@code fileKey}) by that path any more, if so: the file was deleted or replaced. Empty while it is there.
     */
    public static Optional<String> lostAt(Path path, Object published) {
        Object now;
        try {
            now = UnixSocketFiles.fileKey(path);
        } catch (IOException e) {
            return Optional.of("its socket file cannot be looked at: " + e.getMessage());
        }
        if (now == null) {
            return Optional.of("its socket file was deleted");
        }
        return Objects.equals(now, published)
                ? Optional.empty()
                : Optional.of("its socket file was replaced by another file");
    }

    public synchronized void add(Bound socket) {
        sockets.add(socket);
    }

    /** Runs {@code check} every {@link #EVERY}, if there is anything to watch. */
    public synchronized void start(Runnable check) {
        if (sockets.isEmpty() || closed) {
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

    /** Looks at every socket's file once, and binds again those lost. */
    public synchronized void check() {
        if (closed) {
            return;
        }
        for (int i = 0; i < sockets.size(); i++) {
            Bound old = sockets.get(i);
            String where = old.describe();
            Optional<String> gone = old.socketFileLost();
            if (gone.isEmpty()) {
                lost.remove(where);
                continue;
            }
            Bound fresh;
            try {
                fresh = old.bindAgain();
            } catch (IOException | RuntimeException e) {
                String why = gone.get() + ", and it cannot be bound again: " + e.getMessage();
                if (!why.equals(lost.put(where, why))) {
                    LOG.log(
                            System.Logger.Level.WARNING,
                            () -> what + " " + where + ": " + why + "; " + clients + " cannot connect there until it"
                                    + " can be bound again (looked at every " + EVERY.toSeconds() + " s)");
                }
                continue;
            }
            sockets.set(i, fresh);
            old.retire();
            lost.remove(where);
            LOG.log(
                    System.Logger.Level.WARNING,
                    () -> what + " " + where + ": " + gone.get() + "; bound it again, " + clients
                            + " can connect again");
        }
    }

    /** Each socket whose file is lost and could not be bound again, by its description, and why. */
    public Map<String, String> lost() {
        return Map.copyOf(lost);
    }

    /** Every socket, by its description, and whether its file is lost. */
    public synchronized Map<String, Boolean> bySocket() {
        Map<String, Boolean> each = new LinkedHashMap<>();
        sockets.forEach(s -> each.put(s.describe(), false));
        lost.keySet().forEach(where -> each.put(where, true));
        return each;
    }

    /** No socket is bound again after this returns. */
    @Override
    public synchronized void close() {
        closed = true;
        if (timer != null) {
            timer.shutdownNow();
        }
    }
}
