package io.p9gate.gateway.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;

/** TlsRecordLengthGuard reads record headers however TCP cuts them, and passes every byte of honest records on. */
class TlsRecordLengthGuardTest {
    private static byte[] records(int... lengths) {
        ByteBuf out = Unpooled.buffer();
        for (int length : lengths) {
            out.writeByte(23).writeShort(0x0303).writeShort(length).writeZero(length);
        }
        byte[] bytes = new byte[out.readableBytes()];
        out.readBytes(bytes);
        return bytes;
    }

    /** Writes {@code stream} in pieces of {@code cut} bytes; how many bytes came out the other side. */
    private static int passed(EmbeddedChannel channel, byte[] stream, int cut) {
        for (int at = 0; at < stream.length && channel.isOpen(); at += cut) {
            channel.writeInbound(Unpooled.wrappedBuffer(stream, at, Math.min(cut, stream.length - at)));
        }
        int passed = 0;
        for (ByteBuf read; (read = channel.readInbound()) != null; ) {
            passed += read.readableBytes();
            read.release();
        }
        return passed;
    }

    @Test
    void recordsUpToTheLongestTlsAllowsPassWholeCutAnywhere() {
        byte[] stream =
                records(TlsRecordLengthGuard.MAX_RECORD_LENGTH, 0, 1, 300, TlsRecordLengthGuard.MAX_RECORD_LENGTH);
        for (int cut : new int[] {1, 2, 3, 4, 5, 6, 7, 4096, stream.length}) {
            EmbeddedChannel channel = new EmbeddedChannel(new TlsRecordLengthGuard("tls:test"));
            assertEquals(stream.length, passed(channel, stream, cut), "cut " + cut);
            assertTrue(channel.isOpen(), "cut " + cut);
            channel.finishAndReleaseAll();
        }
    }

    @Test
    void aRecordOneByteTooLongClosesTheConnectionAtItsHeader() {
        byte[] stream = records(300, TlsRecordLengthGuard.MAX_RECORD_LENGTH + 1);
        for (int cut : new int[] {1, 4, 5, 306, 4096}) {
            EmbeddedChannel channel = new EmbeddedChannel(new TlsRecordLengthGuard("tls:test"));
            int passed = passed(channel, stream, cut);
            assertFalse(channel.isOpen(), "cut " + cut);
            assertTrue(passed < 305 + 5, "cut " + cut + ": " + passed + " bytes passed");
            channel.finishAndReleaseAll();
        }
    }
}
