package io.p9gate.gateway.systemd;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.testing.LoggedLines;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** sd_notify without libsystemd (issue 9 item 2): the datagrams systemd would read, and when none are sent. */
class ServiceNotifierTest {
    private static final long PID = 4242;

    @TempDir
    Path dir;

    @Test
    void readyStatusAndStoppingReachTheNotifySocketAsOneDatagramEach() throws Exception {
        try (NotifySocket systemd = NotifySocket.at(dir.resolve("notify"));
                ServiceNotifier notifier =
                        ServiceNotifier.fromEnvironment(Map.of("NOTIFY_SOCKET", systemd.address), PID)) {
            assertTrue(notifier.active());
            notifier.ready("serving 1 VM");
            assertEquals("READY=1\nSTATUS=serving 1 VM", systemd.next());
            notifier.status("policy reloaded (sha256 ab12)");
            assertEquals("STATUS=policy reloaded (sha256 ab12)", systemd.next());
            notifier.stopping("stopping: final checkpoint");
            assertEquals("STOPPING=1\nSTATUS=stopping: final checkpoint", systemd.next());
        }
    }

    @Test
    void withoutNotifySocketNothingIsSentAndNothingFails() {
        try (ServiceNotifier notifier = ServiceNotifier.fromEnvironment(Map.of("WATCHDOG_USEC", "1000"), PID)) {
            assertFalse(notifier.active());
            notifier.ready("x");
            notifier.startWatchdog(() -> true);
        }
    }

    /** Not fatal, and said once: the gateway goes on serving, with one warning naming the socket. */
    @Test
    void aNotifySocketNobodyListensOnIsNotFatal() {
        Path gone = dir.resolve("gone");
        try (LoggedLines logged = new LoggedLines(ServiceNotifier.class.getName());
                ServiceNotifier notifier =
                        ServiceNotifier.fromEnvironment(Map.of("NOTIFY_SOCKET", gone.toString()), PID)) {
            assertTrue(notifier.active(), "a NOTIFY_SOCKET is set: each message is tried");
            assertDoesNotThrow(() -> notifier.ready("x"));
            assertDoesNotThrow(() -> notifier.status("y"));
            assertEquals(
                    1,
                    logged.startingWith("cannot notify systemd through " + gone + ": ")
                            .size());
        }
    }

    @Test
    void theWatchdogPingsOnlyWhileTheGatewaySaysItIsAlive() throws Exception {
        AtomicBoolean alive = new AtomicBoolean(false);
        CountDownLatch askedOnce = new CountDownLatch(1);
        try (NotifySocket systemd = NotifySocket.at(dir.resolve("notify"));
                ServiceNotifier notifier = ServiceNotifier.fromEnvironment(
                        Map.of(
                                "NOTIFY_SOCKET",
                                systemd.address,
                                "WATCHDOG_USEC",
                                "20000",
                                "WATCHDOG_PID",
                                Long.toString(PID)),
                        PID)) {
            notifier.startWatchdog(() -> {
                boolean answer = alive.get();
                askedOnce.countDown();
                return answer;
            });
            assertTrue(askedOnce.await(60, TimeUnit.SECONDS), "the watchdog asks before each ping");
            notifier.status("not alive yet");
            alive.set(true);
            assertEquals("STATUS=not alive yet", systemd.next(), "no ping while not alive");
            assertEquals("WATCHDOG=1", systemd.next());
            assertEquals("WATCHDOG=1", systemd.next());
        }
    }

    @Test
    void theWatchdogIsOnlyForTheProcessSystemdNamed() {
        assertEquals(
                Optional.of(Duration.ofSeconds(30)),
                ServiceNotifier.watchdogInterval(Map.of("WATCHDOG_USEC", "30000000"), PID));
        assertEquals(
                Optional.of(Duration.ofMillis(20)),
                ServiceNotifier.watchdogInterval(Map.of("WATCHDOG_USEC", "20000", "WATCHDOG_PID", "4242"), PID));
        assertEquals(
                Optional.empty(),
                ServiceNotifier.watchdogInterval(Map.of("WATCHDOG_USEC", "20000", "WATCHDOG_PID", "1"), PID));
        assertEquals(Optional.empty(), ServiceNotifier.watchdogInterval(Map.of("WATCHDOG_USEC", "0"), PID));
        assertEquals(Optional.empty(), ServiceNotifier.watchdogInterval(Map.of("WATCHDOG_USEC", "soon"), PID));
        assertEquals(Optional.empty(), ServiceNotifier.watchdogInterval(Map.of(), PID));
    }

    @Test
    void socketNamesAreAbsolutePathsOrAbstractAndFitSockaddrUn() throws Exception {
        assertEquals(0, UnixDatagram.pathBytes("@/org/freedesktop/systemd1/notify")[0], "abstract: leading NUL");
        assertEquals('/', UnixDatagram.pathBytes("/run/systemd/notify")[0]);
        assertThrows(IOException.class, () -> UnixDatagram.pathBytes("run/relative"));
        assertThrows(IOException.class, () -> UnixDatagram.pathBytes("/" + "x".repeat(107)));
        assertEquals(108, UnixDatagram.pathBytes("@" + "x".repeat(107)).length, "abstract names use all 108 bytes");
    }
}
