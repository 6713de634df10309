package io.p9gate.gateway.codec;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;

/** Hex helpers for test vectors written with spaces between fields. */
public final class Hex {
    private Hex() {}

    public static ByteBuf buf(String hex) {
        return Unpooled.wrappedBuffer(ByteBufUtil.decodeHexDump(hex.replace(" ", "")));
    }

    public static String of(ByteBuf buf) {
        return ByteBufUtil.hexDump(buf);
    }

    public static String compact(String hex) {
        return hex.replace(" ", "");
    }
}
