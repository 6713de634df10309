package io.p9gate.gateway.systemd;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;

/**
 * The gateway's side of systemd's notification protocol ({@code Type=notify}, sd_notify(3)) without libsystemd:
 * {@code READY=1} once serving, {@code STATUS=} lines an operator sees in {@code systemctl status},
 * {@code STOPPING=1}, and {@code WATCHDOG=1} pings when the unit sets {@code WatchdogSec=}. Outside systemd
 * ({@code $NOTIFY_SOCKET} unset) every call does nothing. A message that cannot be sent is logged once, never
 * fatal: the service manager's own timeout then says the start failed.
 */
public final class ServiceNotifier implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(ServiceNotifier.class.getName());

    private final String socket;
    private final Optional<Duration> watchdogInterval;
    private final AtomicBoolean warned = new AtomicBoolean();
    private ScheduledExecutorService watchdog;

    private ServiceNotifier(String socket, Optional<Duration> watchdogInterval) {
        this.socket = socket;
        this.watchdogInterval = watchdogInterval;
    }

    /** From the environment systemd gives a {@code Type=notify} service (NOTIFY_SOCKET, WATCHDOG_USEC/PID). */
    public static ServiceNotifier fromEnvironment(Map<String, String> env, long ownPid) {
        String socket = env.get("NOTIFY_SOCKET");
        if (socket == null || socket.isEmpty()) {
            return new ServiceNotifier(null, Optional.empty());
        }
        return new ServiceNotifier(socket, watchdogInterval(env, ownPid));
    }

    /**
     * The watchdog's timeout, if it is meant for this process: WATCHDOG_USEC set and positive, and WATCHDOG_PID
     * either absent or this process (a child that inherited the variables must not ping for its parent).
     */
    static Optional<Duration> watchdogInterval(Map<String, String> env, long ownPid) {
        try {
            long usec = Long.parseLong(env.getOrDefault("WATCHDOG_USEC", "0"));
            String pid = env.get("WATCHDOG_PID");
            if (usec <= 0 || (pid != null && Long.parseLong(pid) != ownPid)) {
                return Optional.empty();
            }
            return Optional.of(Duration.ofNanos(TimeUnit.MICROSECONDS.toNanos(usec)));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    public boolean active() {
        return socket != null;
    }

    /** Every listener is bound and the audit log is open: systemd starts what is ordered after the gateway. */
    public void ready(String status) {
        send("READY=1\nSTATUS=" + status);
    }

    public void status(String status) {
        send("STATUS=" + status);
    }

    public void stopping(String status) {
        send("STOPPING=1\nSTATUS=" + status);
    }

    /**
     * Pings {@code WATCHDOG=1} at half the watchdog timeout (sd_watchdog_enabled(3)'s advice) for as long as
     * {@code alive} says so; a gateway that stops pinging is restarted by systemd. No-op without a watchdog.
     */
    public synchronized void startWatchdog(BooleanSupplier alive) {
        if (!active() || watchdogInterval.isEmpty() || watchdog != null) {
            return;
        }
        long periodNanos = Math.max(1, watchdogInterval.get().toNanos() / 2);
        watchdog = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().daemon().name("p9gate-watchdog").factory());
        watchdog.scheduleAtFixedRate(
                () -> {
                    if (alive.getAsBoolean()) {
                        send("WATCHDOG=1");
                    }
                },
                0,
                periodNanos,
                TimeUnit.NANOSECONDS);
    }

    private void send(String message) {
        if (!active()) {
            return;
        }
        try {
            UnixDatagram.send(socket, message.getBytes(StandardCharsets.UTF_8));
        } catch (IOException | RuntimeException e) {
            if (warned.compareAndSet(false, true)) {
                LOG.log(System.Logger.Level.WARNING, "cannot notify systemd through " + socket + ": " + e.getMessage());
            }
        }
    }

    @Override
    public synchronized void close() {
        if (watchdog != null) {
            watchdog.shutdownNow();
            watchdog = null;
        }
    }
}
