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

    /**
     * A header of no TLS content type is one Netty's TLS handler reads as SSLv2's, its length from the first two bytes
     * (here 32,769): closed at once, where the guard once counted a record of 3 bytes and let the handler gather 32 KiB.
     */
    @Test
    void aHeaderOfNoTlsContentTypeClosesTheConnection() {
        byte[] sslv2 = {(byte) 0xff, (byte) 0xff, 0, 3, 0, 1, 2, 3};
        byte[] clientHello = {22, 3, 1, 0, 1, 0};
        for (int cut : new int[] {1, 5, 8}) {
            EmbeddedChannel channel = new EmbeddedChannel(new TlsRecordLengthGuard("tls:test"));
            int passed = passed(channel, sslv2, cut);
            assertFalse(channel.isOpen(), "cut " + cut);
            assertTrue(passed < 5, "cut " + cut + ": " + passed + " bytes passed, a whole header");
            channel.finishAndReleaseAll();
            EmbeddedChannel hello = new EmbeddedChannel(new TlsRecordLengthGuard("tls:test"));
            assertEquals(clientHello.length, passed(hello, clientHello, cut), "a ClientHello record, cut " + cut);
            assertTrue(hello.isOpen(), "cut " + cut);
            hello.finishAndReleaseAll();
        }
    }
}
