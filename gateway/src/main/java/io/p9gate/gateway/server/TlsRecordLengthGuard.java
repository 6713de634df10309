package io.p9gate.gateway.server;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import io.p9gate.gateway.codec.PeerCausedLog;

/**
 * Closes a tls: connection whose peer announces a record longer than TLS 1.3 allows (RFC 8446, 5.2: 2^14 + 256 bytes
 * of ciphertext). The TLS engine's handler gathers a record whole before its engine sees it, and takes the record's
 * length from the peer's header: a peer announcing 65,535 bytes and sending one fewer kept a 128 KiB buffer per
 * connection, whatever the read cap, before and after its handshake (identity.TlsRecordHeaderInHandAttackTest). It
 * sits before that handler and reads only the record headers, passing every byte on unchanged. Not thread-safe: one
 * connection's loop.
 */
final class TlsRecordLengthGuard extends ChannelInboundHandlerAdapter {
    private static final System.Logger LOG = System.getLogger(TlsRecordLengthGuard.class.getName());
    private static final PeerCausedLog TOO_LONG = new PeerCausedLog(LOG, System.Logger.Level.WARNING);

    private static final int RECORD_HEADER = 5;
    /** The longest TLSCiphertext.length RFC 8446 allows; the engine would answer record_overflow once it was whole. */
    static final int MAX_RECORD_LENGTH = (1 << 14) + 256;
    /** ContentType's values (change_cipher_spec 20 to heartbeat 24, as Netty's handler takes a TLS record). */
    private static final int FIRST_CONTENT_TYPE = 20;

    private static final int LAST_CONTENT_TYPE = 24;

    private final String listener;
    private final byte[] header = new byte[RECORD_HEADER];
    private int headerRead;
    /** Bytes left in the current record's body; 0 when a record header comes next. */
    private int recordLeft;

    private boolean closed;

    /** @param listener the listener's {@link ListenSpec#describe()}: the key of its log line */
    TlsRecordLengthGuard(String listener) {
        this.listener = listener;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        String refused = closed || !(msg instanceof ByteBuf bytes) ? null : refusal(bytes);
        if (closed || refused != null) {
            ReferenceCountUtil.release(msg);
            if (!closed) {
                closed = true;
                TOO_LONG.log(
                        PeerCausedLog.key("", listener),
                        () -> "closing TLS connection from " + ctx.channel().remoteAddress() + ": " + refused);
                ctx.close();
            }
            return;
        }
        ctx.fireChannelRead(msg);
    }

    /**
     * Follows the record headers in {@code bytes} (not consumed): why the connection closes once one announces too long
     * a record or is no TLS record header at all, else null. A header of no TLS content type is one Netty's handler
     * would read as SSLv2's, its length from the first two bytes (up to 32,769): it is refused as well, or a peer could
     * announce 32 KiB where this guard counted a short record.
     */
    private String refusal(ByteBuf bytes) {
        int i = bytes.readerIndex();
        int end = bytes.writerIndex();
        while (i < end) {
            if (recordLeft == 0) {
                header[headerRead++] = bytes.getByte(i++);
                if (headerRead == RECORD_HEADER) {
                    headerRead = 0;
                    recordLeft = ((header[3] & 0xff) << 8) | (header[4] & 0xff);
                    int type = header[0] & 0xff;
                    if (type < FIRST_CONTENT_TYPE || type > LAST_CONTENT_TYPE || header[1] != 3) {
                        return "no TLS record header (content type " + type + ", version " + (header[1] & 0xff) + "."
                                + (header[2] & 0xff) + ")";
                    }
                    if (recordLeft > MAX_RECORD_LENGTH) {
                        return "record of " + recordLeft + " bytes announced, at most " + MAX_RECORD_LENGTH;
                    }
                }
            } else {
                int n = Math.min(recordLeft, end - i);
                i += n;
                recordLeft -= n;
            }
        }
        return null;
    }
}
