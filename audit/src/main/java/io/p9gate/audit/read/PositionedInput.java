package io.p9gate.audit.read;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * A segment's bytes from a position, buffered, knowing where the read(2) that brought the byte just delivered began:
 * bytes of one read were in the file at one moment, bytes of two may not have been ({@link SegmentReader}).
 */
final class PositionedInput extends InputStream {
    private static final int BUFFER = 1 << 16;

    private final InputStream buffered;
    /** Where the next read of the file begins. */
    private long next;
    /** Where the latest read of the file began. */
    private long latestRead;

    /** Reading {@code file} from {@code offset} up to the size it had once opened. */
    PositionedInput(StoredFile file, long offset) {
        this.next = offset;
        this.latestRead = offset;
        this.buffered = new BufferedInputStream(new Reads(file.within(offset)), BUFFER);
    }

    /** Where the read that brought the byte last delivered began. */
    long latestRead() {
        return latestRead;
    }

    @Override
    public int read() throws IOException {
        return buffered.read();
    }

    @Override
    public long skip(long n) throws IOException {
        return buffered.skip(n);
    }

    @Override
    public void close() throws IOException {
        buffered.close();
    }

    /** The file's reads, counted: the buffer fills itself through it. */
    private final class Reads extends InputStream {
        private final InputStream in;

        Reads(InputStream in) {
            this.in = in;
        }

        @Override
        public int read() throws IOException {
            throw new UnsupportedOperationException("read through the buffer");
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = in.read(b, off, len);
            if (n > 0) {
                latestRead = next;
                next += n;
            }
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            long skipped = in.skip(n);
            next += skipped;
            return skipped;
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }
}
