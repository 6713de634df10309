package io.p9gate.gateway.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.codec.PeerCausedLog;
import io.p9gate.gateway.codec.PeerCausedLogTest;
import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A lasting accept(2) failure (EMFILE: the process is out of descriptors) fails every accept at once: the loop
 * must neither log each one nor retry without a pause, which kept a core busy and filled the log.
 */
class MetricsAcceptFailureTest {
    private static final int FAILURES = 1000;

    @Test
    void aLastingAcceptFailureIsLoggedOnceAndEachRetryWaits() {
        PeerCausedLogTest.Lines log = new PeerCausedLogTest.Lines();
        List<Duration> pauses = new ArrayList<>();
        int[] accepts = {0};
        MetricsEndpoint.acceptEach(
                () -> {
                    if (++accepts[0] > FAILURES) {
                        throw new ClosedChannelException(); // the endpoint was closed
                    }
                    throw new IOException("Too many open files");
                },
                () -> true,
                client -> {
                    throw new AssertionError("nothing was accepted");
                },
                new PeerCausedLog(log, System.Logger.Level.WARNING),
                pauses::add);
        assertEquals(FAILURES + 1, accepts[0]);
        assertEquals(1, log.lines.size(), log.lines.toString());
        assertTrue(
                log.lines.getFirst().startsWith("WARNING metrics: accept failed: Too many open files"),
                log.lines.getFirst());
        assertEquals(FAILURES, pauses.size(), "a pause after each failed accept");
        assertTrue(pauses.stream().allMatch(p -> p.compareTo(Duration.ofMillis(10)) >= 0), pauses.toString());
    }
}
