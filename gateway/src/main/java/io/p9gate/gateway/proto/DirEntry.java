package io.p9gate.gateway.proto;

import io.netty.buffer.ByteBufUtil;

/**
 * One Rreaddir entry: qid[13] offset[8] type[1] name[s].
 *
 * @param offset the cookie a later Treaddir passes to continue after this entry
 * @param type   the d_type (DT_REG, DT_DIR, ...)
 */
public record DirEntry(Qid qid, long offset, int type, String name) {
    /** Bytes of the largest entry: a name of NAME_MAX (255) bytes. */
    public static final int LONGEST_WIRE_SIZE = wireSize(255);

    /**
     * Bytes this entry takes in an Rreaddir payload; used to pack entries within count. The name's length is the one
     * the codec writes (WireWriter.string), counted without encoding it: packing asks it several times per entry, and
     * encoding the name each time was a sixth of a listing's garbage (issue 11).
     */
    public int wireSize() {
        return wireSize(ByteBufUtil.utf8Bytes(name));
    }

    private static int wireSize(int nameBytes) {
        return Qid.WIRE_SIZE + 8 + 1 + 2 + nameBytes;
    }
}
