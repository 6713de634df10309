package io.p9gate.gateway.codec;

import io.netty.buffer.ByteBuf;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.Qid;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Reads 9P2000.L fields (little-endian) from one frame body. Every read is checked against the
 * end of the frame, so a count or length that points past it becomes a
 * {@link MalformedMessageException} instead of reading into the next frame.
 */
final class WireReader {
    private final ByteBuf buf;
    private final int end;

    /** Reads {@code buf} from its reader index up to {@code end} (exclusive, absolute index). */
    WireReader(ByteBuf buf, int end) {
        this.buf = buf;
        this.end = end;
    }

    private void require(int bytes, String field) throws MalformedMessageException {
        if (bytes < 0 || end - buf.readerIndex() < bytes) {
            throw new MalformedMessageException(Errno.EPROTO, "message too short for " + field);
        }
    }

    int u8(String field) throws MalformedMessageException {
        require(1, field);
        return buf.readUnsignedByte();
    }

    int u16(String field) throws MalformedMessageException {
        require(2, field);
        return buf.readUnsignedShortLE();
    }

    /** A u32 as a Java int (callers treat it as unsigned where the protocol says so). */
    int u32(String field) throws MalformedMessageException {
        require(4, field);
        return buf.readIntLE();
    }

    long u64(String field) throws MalformedMessageException {
        require(8, field);
        return buf.readLongLE();
    }

    Qid qid(String field) throws MalformedMessageException {
        require(Qid.WIRE_SIZE, field);
        int type = buf.readUnsignedByte();
        int version = buf.readIntLE();
        long path = buf.readLongLE();
        return new Qid(type, version, path);
    }

    /** A u32 count followed by that many bytes, returned as a retained slice (no copy). */
    ByteBuf countedData(String field) throws MalformedMessageException {
        int count = u32(field + " count");
        if (count < 0) {
            throw new MalformedMessageException(Errno.EPROTO, field + " count past the frame end");
        }
        require(count, field);
        return buf.readRetainedSlice(count);
    }

    /** A u32 count followed by that many bytes, as a view this reader's caller must not keep. */
    WireReader countedSection(String field) throws MalformedMessageException {
        int count = u32(field + " count");
        if (count < 0) {
            throw new MalformedMessageException(Errno.EPROTO, field + " count past the frame end");
        }
        return section(count, field);
    }

    /** A section whose length is a u16 before it (a stat(5) entry's size, Rstat's nstat). */
    WireReader shortSection(String field) throws MalformedMessageException {
        return section(u16(field + " size"), field);
    }

    private WireReader section(int length, String field) throws MalformedMessageException {
        require(length, field);
        return new WireReader(buf, buf.readerIndex() + length);
    }

    /** string[s]: u16 length, UTF-8 bytes; invalid UTF-8 and embedded NUL are refused (EINVAL). */
    String string(String field) throws MalformedMessageException {
        int length = u16(field + " length");
        require(length, field);
        int start = buf.readerIndex();
        String value = asciiOrNull(start, length);
        if (value == null) {
            value = decodeUtf8(start, length, field);
        }
        buf.skipBytes(length);
        return value;
    }

    /** Fast path: most names are ASCII, which needs no decoder. Null if a byte is not plain ASCII. */
    private String asciiOrNull(int start, int length) throws MalformedMessageException {
        for (int i = 0; i < length; i++) {
            byte b = buf.getByte(start + i);
            if (b == 0) {
                throw new MalformedMessageException(Errno.EINVAL, "string contains NUL");
            }
            if (b < 0) {
                return null;
            }
        }
        return buf.toString(start, length, StandardCharsets.US_ASCII);
    }

    private String decodeUtf8(int start, int length, String field) throws MalformedMessageException {
        // The ASCII fast path stops at the first non-ASCII byte, and UTF-8 decodes NUL as U+0000: look at the rest.
        if (buf.indexOf(start, start + length, (byte) 0) >= 0) {
            throw new MalformedMessageException(Errno.EINVAL, "string contains NUL");
        }
        ByteBuffer bytes = buf.nioBufferCount() == 1
                ? buf.nioBuffer(start, length)
                : ByteBuffer.wrap(io.netty.buffer.ByteBufUtil.getBytes(buf, start, length));
        try {
            return StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(bytes)
                    .toString();
        } catch (CharacterCodingException e) {
            throw new MalformedMessageException(Errno.EINVAL, field + " is not valid UTF-8");
        }
    }

    boolean atEnd() {
        return buf.readerIndex() == end;
    }

    /** Fails if bytes remain: trailing garbage means the sender and we disagree on the layout. */
    void expectEnd(String message) throws MalformedMessageException {
        if (!atEnd()) {
            throw new MalformedMessageException(
                    Errno.EPROTO, (end - buf.readerIndex()) + " trailing bytes after " + message);
        }
    }
}
