package io.p9gate.gateway.metrics;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.charset.StandardCharsets;

/**
 * The head of an HTTP request, read from a peer until its blank line (or until it is full or the peer stops). A
 * peer may send it one byte at a time: each read appends in place and only its new bytes are searched for the blank
 * line, so the work is linear in the head's size (rebuilding and searching the whole head after every read cost a
 * byte-at-a-time peer some 33 MB per 8 KiB head).
 */
final class RequestHead {
    private final ByteBuffer buffer;
    /** The bytes already searched for the blank line. */
    private int scanned;

    RequestHead(int max) {
        buffer = ByteBuffer.allocate(max);
    }

    /** Reads until the headers are complete, the head is full or the peer stopped sending. */
    RequestHead readFrom(ReadableByteChannel peer) throws IOException {
        while (buffer.hasRemaining() && peer.read(buffer) >= 0) {
            if (blankLineInNewBytes()) {
                break;
            }
        }
        return this;
    }

    /** Whether the bytes read since the last search end the headers ("\n\n" or "\r\n\r\n"). */
    private boolean blankLineInNewBytes() {
        byte[] bytes = buffer.array();
        while (scanned < buffer.position()) {
            int i = scanned++;
            if (bytes[i] == '\n' && endsBlankLine(bytes, i)) {
                return true;
            }
        }
        return false;
    }

    /** Whether the line end at {@code i} follows another line end, i.e. ends an empty line. */
    private static boolean endsBlankLine(byte[] bytes, int i) {
        return i >= 1 && bytes[i - 1] == '\n'
                || i >= 3 && bytes[i - 1] == '\r' && bytes[i - 2] == '\n' && bytes[i - 3] == '\r';
    }

    /** The request line, without its line end. */
    String requestLine() {
        byte[] bytes = buffer.array();
        int end = 0;
        while (end < buffer.position() && bytes[end] != '\n') {
            end++;
        }
        return new String(bytes, 0, end, StandardCharsets.ISO_8859_1).strip();
    }

    /** How many bytes the search for the blank line has looked at. */
    long scanned() {
        return scanned;
    }
}
