package io.p9gate.gateway.codec;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.p9gate.gateway.proto.Qid;

/** Writes 9P2000.L fields (little-endian) into a frame being encoded. */
final class WireWriter {
    private WireWriter() {}

    /** string[s]; strings longer than a u16 length cannot be sent and are a caller bug. */
    static void string(ByteBuf out, String value) {
        int length = ByteBufUtil.utf8Bytes(value);
        if (length > 0xffff) {
            throw new IllegalArgumentException("string longer than 65535 bytes: " + length);
        }
        out.writeShortLE(length);
        ByteBufUtil.reserveAndWriteUtf8(out, value, length);
    }

    static void qid(ByteBuf out, Qid qid) {
        out.writeByte(qid.type());
        out.writeIntLE(qid.version());
        out.writeLongLE(qid.path());
    }
}
