package io.p9gate.audit.cli;

import io.p9gate.audit.LogDirectory;
import io.p9gate.audit.read.SegmentReader;
import io.p9gate.audit.read.StoredLine;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.function.Consumer;

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

    /** Delivers every new complete line; returns how many. */
    int poll(Consumer<StoredLine> sink) throws IOException {
        int[] count = {0};
        for (Path s : LogDirectory.segments(dir)) {
            if (segment != null && s.compareTo(segment) < 0) {
                continue;
            }
            if (!s.equals(segment)) {
                segment = s;
                offset = 0;
            }
            try (FileChannel ch = FileChannel.open(s, StandardOpenOption.READ)) {
                ch.position(offset);
                InputStream in = new java.io.BufferedInputStream(Channels.newInputStream(ch), 1 << 16);
                offset += SegmentReader.readLines(s, offset, in, line -> {
                    if (line.terminated()) {
                        count[0]++;
                        sink.accept(line);
                    }
                });
            }
        }
        return count[0];
    }
}
