package io.p9gate.audit.cli;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * The word between an export and a stop. A stop before a line refuses it, and the export is then cut short: the
 * command must neither commit its file (a partial export under the file's name) nor call it whole.
 */
class ExportEndTest {
    @Test
    void aStopRefusesTheNextLineAndTheExportIsCutShort() {
        ExportEnd end = new ExportEnd();
        assertTrue(end.mayWrite());
        CompletableFuture<Boolean> stop =
                CompletableFuture.supplyAsync(() -> end.wholeAfterStop(Duration.ofMinutes(1)));
        while (end.mayWrite()) {
            Thread.onSpinWait(); // the stop's thread has not asked yet
        }
        assertTrue(end.cutShort(), "a refused line cuts the export short");
        end.ended();
        assertFalse(stop.join(), "not whole");
    }

    @Test
    void anExportThatEndsWholeWhileTheStopWaitsIsWhole() {
        ExportEnd end = new ExportEnd();
        assertTrue(end.mayWrite());
        assertFalse(end.cutShort());
        end.whole();
        end.ended();
        assertTrue(end.wholeAfterStop(Duration.ofMinutes(1)));
    }
}
