package io.p9gate.gateway.server;

import io.netty.buffer.ByteBuf;

/**
 * Follows a TLS peer's first bytes, record by record, until its first handshake message (a ClientHello) is whole,
 * as the engine frames it: record headers (5 bytes) and the message's own header (4 bytes: type, length) may be
 * cut anywhere by TCP. Only framing is read, never content: a message that frames whole but parses wrong fails in
 * the engine at once. Not thread-safe: one connection's loop.
 */
final class HelloFraming {
    private static final int RECORD_HEADER = 5;
    private static final int MESSAGE_HEADER = 4;
    private static final byte HANDSHAKE = 22;

    /** The header bytes being read, of the record or of the message. */
    private final byte[] header = new byte[RECORD_HEADER];

    private int headerRead;
    /** Bytes left in the current record's body; 0 when a record header comes next. */
    private int recordLeft;
    /** The message's bytes still to come after its header; -1 until that header is read. */
    private long messageLeft = -1;

    private final byte[] messageHeader = new byte[MESSAGE_HEADER];
    private int messageHeaderRead;
    /** Whole, or not a handshake record: nothing more to follow. */
    private boolean done;

    private boolean whole;

    /** Follows {@code bytes} (not consumed); true once the first handshake message has been whole. */
    boolean whole(ByteBuf bytes) {
        int i = bytes.readerIndex();
        int end = bytes.writerIndex();
        while (!done && i < end) {
            if (recordLeft == 0) {
                header[headerRead++] = bytes.getByte(i++);
                if (headerRead == RECORD_HEADER) {
                    headerRead = 0;
                    recordLeft = ((header[3] & 0xff) << 8) | (header[4] & 0xff);
                    done = header[0] != HANDSHAKE || recordLeft == 0;
                }
            } else if (messageLeft < 0) {
                messageHeader[messageHeaderRead++] = bytes.getByte(i++);
                recordLeft--;
                if (messageHeaderRead == MESSAGE_HEADER) {
                    messageLeft = ((messageHeader[1] & 0xffL) << 16)
                            | ((messageHeader[2] & 0xffL) << 8)
                            | (messageHeader[3] & 0xffL);
                    finishIfWhole();
                }
            } else {
                int n = (int) Math.min(Math.min(recordLeft, end - i), messageLeft);
                i += n;
                recordLeft -= n;
                messageLeft -= n;
                finishIfWhole();
            }
        }
        return whole;
    }

    private void finishIfWhole() {
        if (messageLeft == 0) {
            whole = true;
            done = true;
        }
    }
}
