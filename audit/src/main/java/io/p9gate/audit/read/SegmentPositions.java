package io.p9gate.audit.read;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Where a stored line ends within the whole log, out of the log's size when it was measured: how far a command
 * that reads every segment has got. Bytes measure progress, not records, because a log's size is known before
 * reading it. Segments written after the measure (a live log) count as the end.
 */
public final class SegmentPositions {
    private final Map<Path, Long> startOf = new HashMap<>();
    private final long totalBytes;

    public SegmentPositions(List<Path> segments) throws IOException {
        long at = 0;
        for (Path s : segments) {
            startOf.put(s, at);
            at += Files.size(s);
        }
        totalBytes = at;
    }

    public static SegmentPositions of(Path dir) throws IOException {
        return new SegmentPositions(LogDirectory.segments(dir));
    }

    public long totalBytes() {
        return totalBytes;
    }

    /** Bytes of the log up to and including this line's newline, at most {@link #totalBytes}. */
    public long after(StoredLine line) {
        Long start = startOf.get(line.segment());
        if (start == null) {
            return totalBytes;
        }
        return Math.min(totalBytes, start + line.offset() + line.bytes().length + 1);
    }
}
