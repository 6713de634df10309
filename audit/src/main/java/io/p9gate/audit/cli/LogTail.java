package io.p9gate.audit.cli;

import io.p9gate.audit.read.LogDirectory;
import io.p9gate.audit.read.SegmentReader;
import io.p9gate.audit.read.StoredFile;
import io.p9gate.audit.read.StoredLine;
import java.io.IOException;
import java.nio.file.Path;
import java.util.function.Predicate;

/**
 * Reads complete lines of a live log that it has not read yet, across segment rotation. A line still being
 * written (no newline yet) is left for the next poll.
 */
final class LogTail {
    private final Path dir;
    private Path segment;
    private long offset;

    LogTail(Path dir) {
        this.dir = dir;
    }

    /**
     * Delivers every new complete line until {@code sink} answers false (its reader has gone away); returns how
     * many it delivered. After a stop, the next poll starts after the last line delivered.
     */
    int poll(Predicate<StoredLine> sink) throws IOException {
        int[] count = {0};
        boolean[] stopped = {false};
        for (Path s : LogDirectory.segments(dir)) {
            if (stopped[0]) {
                break;
            }
            if (segment != null && s.compareTo(segment) < 0) {
                continue;
            }
            if (!s.equals(segment)) {
                segment = s;
                offset = 0;
            }
            try (StoredFile file = SegmentReader.open(s)) {
                offset += SegmentReader.readLinesWhile(s, file, offset, line -> {
                    if (!line.terminated()) {
                        return true;
                    }
                    count[0]++;
                    stopped[0] = !sink.test(line);
                    return !stopped[0];
                });
            }
        }
        return count[0];
    }
}
