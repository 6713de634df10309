package io.p9gate.gateway.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * A local peer may send its request one byte at a time: each byte costs the reader a read, but the search for the
 * blank line that ends the headers looks at each byte once, not at the whole head again after every read.
 */
class RequestHeadTest {
    private static final int MAX = 8192;

    /** A peer that sends {@code text} one byte per read, then end of stream. */
    private static ReadableByteChannel byteAtATime(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.ISO_8859_1);
        return new ReadableByteChannel() {
            private int next;

            @Override
            public int read(ByteBuffer into) {
                if (next == bytes.length) {
                    return -1;
                }
                into.put(bytes[next++]);
                return 1;
            }

            @Override
            public boolean isOpen() {
                return true;
            }

            @Override
            public void close() {}
        };
    }

    @Test
    void aHeadSentByteByByteIsScannedOnce() throws Exception {
        String line = "GET /metrics HTTP/1.0";
        String head = line + "\r\nX-Pad: " + "a".repeat(MAX - line.length() - 10) + "\r\n";
        RequestHead read = new RequestHead(MAX).readFrom(byteAtATime(head));

        assertEquals(line, read.requestLine());
        assertTrue(read.scanned() <= MAX, "bytes looked at: " + read.scanned() + " for a head of " + MAX);
    }

    @Test
    void theBlankLineEndsTheHeadAcrossReads() throws Exception {
        for (String end : new String[] {"\r\n\r\n", "\n\n"}) {
            RequestHead read = new RequestHead(MAX).readFrom(byteAtATime("GET /x HTTP/1.1" + end + "not read"));
            assertEquals("GET /x HTTP/1.1", read.requestLine());
            assertEquals(("GET /x HTTP/1.1" + end).length(), read.scanned(), "stopped at the blank line: " + end);
        }
    }
}
