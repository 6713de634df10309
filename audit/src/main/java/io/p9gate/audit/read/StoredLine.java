package io.p9gate.audit.read;

import java.nio.file.Path;

/**
 * One line as stored in a segment, without its newline. {@code terminated} is false only for bytes at the very
 * end of a file that lack a newline (a torn write). {@code length} is the line's stored length: more than
 * {@code bytes.length} only for a line longer than {@link SegmentReader#MAX_LINE_BYTES}, of which the reader keeps
 * only the first bytes (no record is that long; only a doctored segment has such a line).
 */
public record StoredLine(Path segment, long offset, byte[] bytes, boolean terminated, long length) {
    public StoredLine(Path segment, long offset, byte[] bytes, boolean terminated) {
        this(segment, offset, bytes, terminated, bytes.length);
    }

    /**
     * The record data of a torn line (one not {@code terminated}): its bytes that are not zero. No record holds a
     * zero byte, so zeros inside it are space written ahead or pages a power loss lost, not data; the unread rest of
     * an oversized line counts whole. Recovery's {@code torn_bytes} and {@code audit verify}'s {@code tornBytes} are
     * this count, so the two reports of one log agree.
     */
    public long dataBytes() {
        long n = length - bytes.length;
        for (byte b : bytes) {
            if (b != 0) {
                n++;
            }
        }
        return n;
    }

    /** Whether the line is longer than a reader keeps: {@code bytes} is only its beginning. */
    public boolean oversized() {
        return length > bytes.length;
    }
}
