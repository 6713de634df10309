package io.p9gate.gateway.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.Frame;
import io.p9gate.gateway.proto.Message;
import io.p9gate.gateway.proto.Qid;
import io.p9gate.gateway.proto.SetAttr;
import io.p9gate.gateway.proto.Stat;
import io.p9gate.gateway.proto.TMessage;
import io.p9gate.policy.dialect.Dialect;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Every request of every dialect, at every length: the whole body decodes to the message sent; each body cut short
 * (but Tfsync's optional datasync) and each body with one byte more is a malformed body, never another message; and
 * a string holding a UTF-8 surrogate, an overlong '/' or a code point past U+10FFFF is EINVAL wherever it is.
 */
class EveryRequestLayoutTest {
    private static final String NAME = "n\u00e9";

    private static List<TMessage> requests(Dialect dialect) {
        List<TMessage> all = new ArrayList<>(List.of(
                new TMessage.Tversion(8192, "9P2000.L"),
                new TMessage.Tflush(3),
                new TMessage.Twalk(1, 2, List.of(NAME, NAME)),
                new TMessage.Tread(1, 5, 7),
                new TMessage.Twrite(1, 5, Unpooled.wrappedBuffer(new byte[] {1, 2, 3})),
                new TMessage.Tclunk(1),
                new TMessage.Tremove(1)));
        if (dialect == Dialect.L) {
            all.addAll(List.of(
                    new TMessage.Tauth(1, NAME, NAME, 5),
                    new TMessage.Tattach(1, -1, NAME, NAME, 5),
                    new TMessage.Tstatfs(1),
                    new TMessage.Tlopen(1, 2),
                    new TMessage.Tlcreate(1, NAME, 2, 0644, 7),
                    new TMessage.Tsymlink(1, NAME, NAME, 7),
                    new TMessage.Tmknod(1, NAME, 0644, 1, 2, 7),
                    new TMessage.Trename(1, 2, NAME),
                    new TMessage.Treadlink(1),
                    new TMessage.Tgetattr(1, 0x3fff),
                    new TMessage.Tsetattr(1, new SetAttr(1, 2, 3, 4, 5, 6, 7, 8, 9)),
                    new TMessage.Txattrwalk(1, 2, NAME),
                    new TMessage.Txattrcreate(1, NAME, 9, 1),
                    new TMessage.Treaddir(1, 5, 7),
                    new TMessage.Tfsync(1, 1),
                    new TMessage.Tlock(1, 1, 0, 5, 6, 7, NAME),
                    new TMessage.Tgetlock(1, 1, 5, 6, 7, NAME),
                    new TMessage.Tlink(1, 2, NAME),
                    new TMessage.Tmkdir(1, NAME, 0755, 7),
                    new TMessage.Trenameat(1, NAME, 2, NAME),
                    new TMessage.Tunlinkat(1, NAME, 0)));
        } else {
            boolean unix = dialect == Dialect.U;
            int nUname = unix ? 5 : TMessage.NONUNAME;
            var common = new Stat.Common(1, 2, new Qid(0, 3, 4), 0644, 5, 6, 7, NAME, NAME, NAME, NAME);
            all.addAll(List.of(
                    new TMessage.Tauth(1, NAME, NAME, nUname),
                    new TMessage.Tattach(1, -1, NAME, NAME, nUname),
                    new TMessage.Tstat(1),
                    new TMessage.Topen(1, 0),
                    new TMessage.Tcreate(1, NAME, 0644, 0, unix ? Optional.of(NAME) : Optional.empty()),
                    new TMessage.Twstat(
                            1, new Stat(common, unix ? Optional.of(new Stat.Unix(NAME, 1, 2, 3)) : Optional.empty()))));
        }
        return all;
    }

    private static ByteBuf body(TMessage request, Dialect dialect) {
        ByteBuf wire = Unpooled.buffer();
        MessageEncoder.writeHeaderAndBody(new Frame(1, request), wire);
        if (dialect == Dialect.LEGACY && (request instanceof TMessage.Tauth || request instanceof TMessage.Tattach)) {
            wire.writerIndex(wire.writerIndex() - 4); // 9P2000 has no n_uname (the encoder writes .L's layout)
        }
        ByteBuf payload = CodecBuffers.payloadOf(request);
        if (payload != null) {
            wire.writeBytes(payload, payload.readerIndex(), payload.readableBytes());
        }
        return wire.skipBytes(Frame.HEADER_SIZE);
    }

    private static Message decode(TMessage request, byte[] body, Dialect dialect) throws MalformedMessageException {
        Message m = MessageDecoder.decode(
                MessageEncoder.typeCode(request), Unpooled.wrappedBuffer(body), Direction.REQUESTS, dialect);
        CodecBuffers.releasePayload(m);
        return m;
    }

    @Test
    void everyLengthOfEveryRequest() throws Exception {
        for (Dialect dialect : Dialect.values()) {
            for (TMessage request : requests(dialect)) {
                ByteBuf wire = body(request, dialect);
                byte[] body = new byte[wire.readableBytes()];
                wire.readBytes(body);
                wire.release();
                String what = dialect + " " + request;
                assertEquals(request, decode(request, body, dialect), what);
                byte[] longer = java.util.Arrays.copyOf(body, body.length + 1);
                assertEquals(Errno.EPROTO, refused(request, longer, dialect), what + " + 1 byte");
                for (int cut = 0; cut < body.length; cut++) {
                    if (request instanceof TMessage.Tfsync && cut == body.length - 4) {
                        continue; // pre-3.x kernels: no datasync
                    }
                    byte[] shorter = java.util.Arrays.copyOf(body, cut);
                    Errno errno = refused(request, shorter, dialect);
                    assertTrue(errno == Errno.EPROTO || errno == Errno.EINVAL, what + " cut at " + cut + ": " + errno);
                }
                CodecBuffers.releasePayload(request);
            }
        }
    }

    /** "n\u00e9" is 3 bytes (6e c3 a9); each bad sequence keeps those 3 bytes so no length changes. */
    @Test
    void invalidUtf8InEveryStringIsEinval() throws Exception {
        byte[][] bad = {
            {(byte) 0xed, (byte) 0xa0, (byte) 0x80}, // a UTF-16 surrogate, U+D800
            {(byte) 0xc0, (byte) 0xaf, 0x61}, // overlong '/'
            {(byte) 0xf4, (byte) 0x90, (byte) 0x80}, // past U+10FFFF (and cut short)
            {0x61, (byte) 0xc3, 0x00}, // NUL
        };
        for (Dialect dialect : Dialect.values()) {
            for (TMessage request : requests(dialect)) {
                ByteBuf wire = body(request, dialect);
                byte[] body = new byte[wire.readableBytes()];
                wire.readBytes(body);
                wire.release();
                CodecBuffers.releasePayload(request);
                int mutated = 0;
                for (int at = 0; at + 3 <= body.length; at++) {
                    if (body[at] != 0x6e || body[at + 1] != (byte) 0xc3 || body[at + 2] != (byte) 0xa9) {
                        continue;
                    }
                    mutated++;
                    for (byte[] b : bad) {
                        byte[] bytes = body.clone();
                        System.arraycopy(b, 0, bytes, at, 3);
                        assertEquals(Errno.EINVAL, refused(request, bytes, dialect), dialect + " " + request);
                    }
                }
                // Every string of the request is NAME (but Tversion's), so each one was spoilt in turn.
                assertEquals(request.toString().split(NAME, -1).length - 1, mutated, dialect + " " + request);
            }
        }
    }

    private static Errno refused(TMessage request, byte[] body, Dialect dialect) {
        return assertThrows(
                        MalformedMessageException.class,
                        () -> decode(request, body, dialect),
                        () -> dialect + " " + request + " of " + body.length + " bytes was read")
                .errno();
    }
}
