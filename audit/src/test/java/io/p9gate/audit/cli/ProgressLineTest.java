package io.p9gate.audit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Issue 13: {@code verify --progress} shows how long is left, estimated from the rate so far. */
class ProgressLineTest {
    @Test
    void estimatesTheTimeLeftFromTheRateSoFar() {
        // a quarter of the bytes in 10 s: 30 s left
        assertEquals(
                "verifying: 25% (250000 records), 0:30 left",
                ProgressLine.of("verifying", 250, 1000, 250_000, Duration.ofSeconds(10)));
        assertEquals(
                "verifying: 50% (500000 records), 2:05:00 left",
                ProgressLine.of("verifying", 500, 1000, 500_000, Duration.ofMinutes(125)));
    }

    @Test
    void saysNothingOfTheTimeLeftBeforeThereIsARate() {
        assertEquals("verifying: 0% (0 records)", ProgressLine.of("verifying", 0, 1000, 0, Duration.ZERO));
        assertEquals("verifying: 100% (7 records)", ProgressLine.of("verifying", 0, 0, 7, Duration.ofSeconds(1)));
    }
}
