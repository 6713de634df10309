package io.p9gate.audit.cli;

import java.time.Duration;
import java.util.Locale;

/** The progress line long commands redraw on stderr: how far, and how long is left at the rate so far. */
final class ProgressLine {
    private ProgressLine() {}

    /**
     * {@code verifying: 25% (250000 records), 0:30 left}. Bytes measure the progress (records vary in size but a
     * log's bytes are known up front); nothing is said of the time left until some bytes and time have passed.
     */
    static String of(String doing, long bytesRead, long totalBytes, long records, Duration elapsed) {
        long pct = totalBytes == 0 ? 100 : bytesRead * 100 / totalBytes;
        String line = String.format(Locale.ROOT, "%s: %d%% (%d records)", doing, pct, records);
        if (bytesRead <= 0 || totalBytes <= bytesRead || elapsed.isZero()) {
            return line;
        }
        long leftSeconds = (long) ((double) elapsed.toMillis() * (totalBytes - bytesRead) / bytesRead / 1000);
        return line + ", " + clock(leftSeconds) + " left";
    }

    private static String clock(long seconds) {
        long h = seconds / 3600;
        long m = seconds / 60 % 60;
        long s = seconds % 60;
        return h > 0
                ? String.format(Locale.ROOT, "%d:%02d:%02d", h, m, s)
                : String.format(Locale.ROOT, "%d:%02d", m, s);
    }
}
