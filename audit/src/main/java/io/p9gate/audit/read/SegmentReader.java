package io.p9gate.audit.read;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Predicate;

/** Streams the stored lines of all segments of an audit directory, in order, without re-encoding anything. */
public final class SegmentReader {
    private SegmentReader() {}

    public static void forEachLine(Path dir, Consumer<StoredLine> sink) throws IOException {
        forEachLine(LogDirectory.segments(dir), sink);
    }

    public static void forEachLine(List<Path> segments, Consumer<StoredLine> sink) throws IOException {
        for (Path segment : segments) {
            try (InputStream in = new BufferedInputStream(Files.newInputStream(segment), 1 << 16)) {
                readLines(segment, 0, in, sink);
            } catch (UncheckedIOException e) {
                throw e.getCause();
            }
        }
    }

    /**
     * Reads lines from {@code in}, whose first byte is at {@code offset} of {@code segment}. Returns the number of
     * bytes up to and including the last newline, so that a follower can resume after the last complete line.
     * Zero bytes that run to the end are where the writer has not written yet (the current segment is zeroed
     * ahead of its records): they end the reading, as the end of the file would.
     */
    public static long readLines(Path segment, long offset, InputStream in, Consumer<StoredLine> sink)
            throws IOException {
        return readLinesWhile(segment, offset, in, line -> {
            sink.accept(line);
            return true;
        });
    }

    /**
     * As {@link #readLines}, but stops after the first line {@code sink} answers false to (a reviewer whose output
     * has gone away); the count then ends with that line.
     */
    public static long readLinesWhile(Path segment, long offset, InputStream in, Predicate<StoredLine> sink)
            throws IOException {
        byte[] buf = new byte[512];
        int len = 0;
        long lineStart = offset;
        long pos = offset;
        // Zeros not yet known to be stored bytes: if they run to the end, the writer put them ahead of its records
        // and has not written there yet (docs/audit-format.md); followed by anything, they are stored bytes like
        // any other, which no record can hold.
        long heldZeros = 0;
        int b;
        while ((b = in.read()) >= 0) {
            if (b == 0) {
                heldZeros++;
                continue;
            }
            for (; heldZeros > 0; heldZeros--) {
                pos++;
                buf = roomFor(buf, len);
                buf[len++] = 0;
            }
            pos++;
            if (b == '\n') {
                boolean more = sink.test(new StoredLine(segment, lineStart, Arrays.copyOf(buf, len), true));
                len = 0;
                lineStart = pos;
                if (!more) {
                    return lineStart - offset;
                }
                continue;
            }
            buf = roomFor(buf, len);
            buf[len++] = (byte) b;
        }
        if (len > 0) {
            sink.test(new StoredLine(segment, lineStart, Arrays.copyOf(buf, len), false));
        }
        return lineStart - offset;
    }

    /** {@code buf}, or a copy twice its size when its {@code len} bytes fill it. */
    private static byte[] roomFor(byte[] buf, int len) {
        return len == buf.length ? Arrays.copyOf(buf, len * 2) : buf;
    }
}
