package io.p9gate.audit;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.Arrays;

/**
 * Lines of the sidecar, read without ever holding the file whole: it gains a note a second while records arrive
 * and is never rotated (gigabytes after months), and a doctored one can be a sparse file of any size. A line is
 * kept up to {@link #MAX_LINE_BYTES}; a note is a few hundred bytes, so a longer line is no checkpoint.
 */
final class SidecarLines {
    static final int MAX_LINE_BYTES = 64 << 10;
    private static final int CHUNK = 64 << 10;

    private SidecarLines() {}

    /**
     * A line: its first bytes (all of them unless {@code length} exceeds {@link #MAX_LINE_BYTES}), its stored length
     * and whether a newline ends it.
     */
    record Line(byte[] bytes, long length, boolean terminated) {
        boolean oversized() {
            return length > bytes.length;
        }
    }

    interface Sink {
        void accept(Line line) throws IOException;
    }

    /** Every line of {@code in}, in order; a last line without newline comes unterminated. */
    static void forEach(InputStream in, Sink sink) throws IOException {
        Reader reader = new Reader(in);
        for (Line line = reader.next(); line != null; line = reader.next()) {
            sink.accept(line);
        }
    }

    /**
     * The lines of a stream one at a time, for a caller that reads them as it needs them (the verifier walks the
     * sidecar alongside the segments): nothing but the current chunk and line is held.
     */
    static final class Reader {
        private final InputStream in;
        private final byte[] chunk = new byte[CHUNK];
        private final Pending line = new Pending();
        private int start;
        private int end;
        private boolean eof;

        Reader(InputStream in) {
            this.in = in;
        }

        /** The next line, or null after the last; a last line without newline comes unterminated. */
        Line next() throws IOException {
            while (true) {
                for (int i = start; i < end; i++) {
                    if (chunk[i] == '\n') {
                        line.add(chunk, start, i);
                        start = i + 1;
                        return line.take(true);
                    }
                }
                line.add(chunk, start, end);
                start = end;
                if (eof) {
                    return null;
                }
                int n = in.read(chunk);
                if (n < 0) {
                    eof = true;
                    return line.length > 0 ? line.take(false) : null;
                }
                start = 0;
                end = n;
            }
        }
    }

    /** The line being read: its first bytes up to the limit, and its length so far. */
    private static final class Pending {
        private byte[] bytes = new byte[512];
        private int kept;
        private long length;

        void add(byte[] chunk, int from, int to) {
            int take = (int) Math.min(to - from, (long) MAX_LINE_BYTES - kept);
            if (take > 0) {
                if (kept + take > bytes.length) {
                    bytes = Arrays.copyOf(bytes, Math.min(MAX_LINE_BYTES, Math.max(kept + take, 2 * bytes.length)));
                }
                System.arraycopy(chunk, from, bytes, kept, take);
                kept += take;
            }
            length += to - from;
        }

        Line take(boolean terminated) {
            Line line = new Line(Arrays.copyOf(bytes, kept), length, terminated);
            kept = 0;
            length = 0;
            return line;
        }
    }

    /** A read at a position ({@link FileChannel#read(ByteBuffer, long)}): the bytes read, -1 at the end. */
    @FunctionalInterface
    interface PositionalRead {
        int read(ByteBuffer dst, long position) throws IOException;
    }

    /** The offset just past the file's last newline (0 when it has none): a torn note after it is cut there. */
    static long endOfLastLine(FileChannel ch) throws IOException {
        return endOfLastLine(ch.size(), ch::read);
    }

    private static long endOfLastLine(long size, PositionalRead ch) throws IOException {
        long newline = lastNewlineBefore(ch, size, Long.MAX_VALUE);
        return newline < 0 ? 0 : newline + 1;
    }

    /** The last line a newline ends in the file's first {@code size} bytes, or null; reads only their end. */
    static Line lastLine(long size, PositionalRead ch) throws IOException {
        long end = endOfLastLine(size, ch);
        if (end == 0) {
            return null;
        }
        long newline = lastNewlineBefore(ch, end - 1, MAX_LINE_BYTES + 1L);
        long start = newline < 0 && end - 1 > MAX_LINE_BYTES ? -1 : newline + 1;
        if (start < 0) { // no newline within the limit: longer than any note; its start is not looked for
            return new Line(read(ch, end - 1 - MAX_LINE_BYTES, MAX_LINE_BYTES), MAX_LINE_BYTES + 1L, true);
        }
        return new Line(read(ch, start, (int) (end - 1 - start)), end - 1 - start, true);
    }

    /** The offset of the last newline in {@code [max(0, before - within), before)}, or -1. */
    private static long lastNewlineBefore(PositionalRead ch, long before, long within) throws IOException {
        long floor = Math.max(0, before - within);
        ByteBuffer buf = ByteBuffer.allocate(CHUNK);
        for (long to = before; to > floor; ) {
            long from = Math.max(floor, to - CHUNK);
            buf.clear().limit((int) (to - from));
            readFully(ch, buf, from);
            for (int i = buf.limit() - 1; i >= 0; i--) {
                if (buf.get(i) == '\n') {
                    return from + i;
                }
            }
            to = from;
        }
        return -1;
    }

    private static byte[] read(PositionalRead ch, long from, int length) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(length);
        readFully(ch, buf, from);
        return buf.array();
    }

    private static void readFully(PositionalRead ch, ByteBuffer buf, long position) throws IOException {
        while (buf.hasRemaining()) {
            if (ch.read(buf, position + buf.position()) < 0) {
                throw new IOException("checkpoints.jsonl shrank while it was read");
            }
        }
    }
}
