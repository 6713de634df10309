package io.p9gate.audit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Issue 13: the progress line of {@code verify}, {@code export} and {@code prove} on stderr, driven by a fake
 * clock: drawn at once, then redrawn at most every {@link ProgressMeter#REDRAW}, with the time left from the rate
 * so far, and wiped when the command is done.
 */
class ProgressMeterTest {
    private static final String REDRAW = "\r\033[K";

    private final StringWriter err = new StringWriter();
    private long nanos = 5_000_000_000L; // any start: only differences count

    private ProgressMeter meter() {
        return new ProgressMeter("exporting", new PrintWriter(err, true), () -> nanos);
    }

    private void advance(Duration d) {
        nanos += d.toNanos();
    }

    /** The lines drawn so far, in order. */
    private List<String> drawn() {
        return List.of(err.toString().split(java.util.regex.Pattern.quote(REDRAW), -1)).stream()
                .skip(1)
                .toList();
    }

    @Test
    void drawsAtOnceThenAtMostEveryRedrawIntervalWithTheTimeLeft() {
        ProgressMeter meter = meter();
        meter.update(10, 1000, 1);
        advance(ProgressMeter.REDRAW.dividedBy(2));
        meter.update(20, 1000, 2); // too soon: not drawn
        advance(Duration.ofSeconds(10).minus(ProgressMeter.REDRAW.dividedBy(2)));
        meter.update(250, 1000, 25_000);
        advance(Duration.ofSeconds(20));
        meter.update(750, 1000, 75_000);
        assertEquals(
                List.of(
                        "exporting: 1% (1 records)",
                        "exporting: 25% (25000 records), 0:30 left", "exporting: 75% (75000 records), 0:10 left"),
                drawn());
    }

    @Test
    void doneWipesTheLine() {
        ProgressMeter meter = meter();
        meter.update(10, 1000, 1);
        meter.done();
        assertEquals(List.of("exporting: 1% (1 records)", ""), drawn());
        assertEquals(REDRAW + "exporting: 1% (1 records)" + REDRAW, err.toString());
    }

    @Test
    void aMeterThatNeverDrewLeavesStderrAlone() {
        meter().done();
        assertEquals("", err.toString());
    }
}
