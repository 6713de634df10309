package io.p9gate.audit.cli;

import io.p9gate.audit.read.SegmentPositions;
import io.p9gate.audit.read.StoredLine;
import io.p9gate.audit.verify.Progress;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * How far a command that reads a whole log line by line has got, told to its {@link Progress} (a
 * {@link ProgressMeter}): bytes out of the log's size when it started ({@link SegmentPositions}), and lines read.
 */
public final class LineProgress {
    private final SegmentPositions positions;
    private final Progress progress;
    private long lines;

    private LineProgress(SegmentPositions positions, Progress progress) {
        this.positions = positions;
        this.progress = progress;
    }

    public static LineProgress of(Path dir, Progress progress) throws IOException {
        return new LineProgress(SegmentPositions.of(dir), progress);
    }

    static LineProgress of(List<Path> segments, Progress progress) throws IOException {
        return new LineProgress(new SegmentPositions(segments), progress);
    }

    /** One more line read. */
    public void read(StoredLine line) {
        progress.update(positions.after(line), positions.totalBytes(), ++lines);
    }
}
