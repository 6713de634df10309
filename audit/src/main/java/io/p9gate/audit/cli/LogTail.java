package io.p9gate.audit.cli;

import io.p9gate.audit.read.LogDirectory;
import io.p9gate.audit.read.SegmentReader;
import io.p9gate.audit.read.StoredFile;
import io.p9gate.audit.read.StoredLine;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * Reads complete lines of a live log that it has not read yet, across segment rotation. A line still being
 * written (no newline yet) is left for the next poll. When the segment it reads on no longer holds the last line it
 * delivered (the log moved aside and a new one started there, or a start cut a tail it had delivered), it says so
 * and reads again from the start of the last segment up to that name: before, it read on from the old offset of the
 * old name, so the new records were never delivered (or from the middle of one), and nothing said so.
 */
final class LogTail {
    private final Path dir;
    private final Consumer<String> rewritten;
    private Path segment;
    private long offset;
    /** The last line delivered from {@link #segment} (its bytes as read), and where it starts; null: none yet. */
    private byte[] lastLine;

    private long lastStart;

    /**
     * The log's first line as first read (its chain's start: key, time, hash) and its segment: another there means
     * another log, which is read from its first segment. Null until read.
     */
    private byte[] originLine;

    private Path originSegment;

    LogTail(Path dir) {
        this(dir, said -> {});
    }

    /** @param rewritten told (one line) when what was delivered is no longer in the log, and where reading resumes */
    LogTail(Path dir, Consumer<String> rewritten) {
        this.dir = dir;
        this.rewritten = rewritten;
    }

    /**
     * Delivers every new complete line until {@code sink} answers false (its reader has gone away); returns how
     * many it delivered. After a stop, the next poll starts after the last line delivered.
     */
    int poll(Predicate<StoredLine> sink) throws IOException {
        int[] count = {0};
        boolean[] stopped = {false};
        List<Path> segments = LogDirectory.segments(dir);
        if (segment != null && !stillHolds(segments)) {
            if (sameOrigin(segments)) {
                resumeBefore(segments);
            } else {
                restart();
            }
        }
        for (Path s : segments) {
            if (stopped[0]) {
                break;
            }
            if (segment != null && s.compareTo(segment) < 0) {
                continue;
            }
            if (!s.equals(segment)) {
                segment = s;
                offset = 0;
                lastLine = null;
            }
            try (StoredFile file = SegmentReader.open(s)) {
                offset += SegmentReader.readLinesWhile(s, file, offset, line -> {
                    if (!line.terminated()) {
                        return true;
                    }
                    count[0]++;
                    if (line.offset() == 0 && s.equals(segments.getFirst())) {
                        originSegment = s;
                        originLine = line.bytes();
                    }
                    lastLine = line.bytes();
                    lastStart = line.offset();
                    stopped[0] = !sink.test(line);
                    return !stopped[0];
                });
            }
        }
        return count[0];
    }

    /** Whether {@link #segment} is still listed and holds {@link #lastLine} where it was read. */
    private boolean stillHolds(List<Path> segments) throws IOException {
        if (!segments.contains(segment)) {
            return false;
        }
        if (lastLine == null) {
            return true;
        }
        return holdsAt(segment, lastStart, lastLine, false);
    }

    /**
     * Whether the log's first segment still starts with the line read there first: a start that cut a tail kept the
     * log's beginning; a log moved aside and replaced (by one of as many segments, named alike) did not.
     */
    private boolean sameOrigin(List<Path> segments) throws IOException {
        if (originLine == null || segments.isEmpty() || !segments.getFirst().equals(originSegment)) {
            return originLine == null; // nothing of its first segment read yet: nothing to tell it by
        }
        return holdsAt(originSegment, 0, originLine, true);
    }

    /** Whether {@code file} holds {@code line} at {@code start}, a newline after it where {@code terminated}. */
    private static boolean holdsAt(Path file, long start, byte[] line, boolean terminated) throws IOException {
        int length = line.length + (terminated ? 1 : 0);
        try (StoredFile stored = SegmentReader.open(file);
                InputStream in = stored.from(start, length)) {
            byte[] read = in.readNBytes(length);
            return read.length == length
                    && (!terminated || read[line.length] == '\n')
                    && Arrays.equals(read, 0, line.length, line, 0, line.length);
        }
    }

    /** Another log is there: reads it from its first segment. */
    private void restart() {
        rewritten.accept("the log at " + dir + " is another one now (its first record differs from the one read"
                + " first): reading it from its first segment; records shown already were the old log's");
        segment = null;
        offset = 0;
        lastLine = null;
        originLine = null;
        originSegment = null;
    }

    /** Reads again from the start of the last segment listed up to {@link #segment}'s name (else the first). */
    private void resumeBefore(List<Path> segments) {
        Path resume = null;
        for (Path s : segments) {
            if (s.compareTo(segment) <= 0 || resume == null) {
                resume = s;
            }
        }
        rewritten.accept(segment.getFileName() + " no longer holds the records shown up to its offset " + offset
                + " (the log was cut by a start that set a tail aside, or moved aside and started anew): reading again"
                + (resume == null ? " from the log's first segment" : " from the start of " + resume.getFileName())
                + "; records shown already may be shown again");
        segment = resume;
        offset = 0;
        lastLine = null;
    }
}
