package io.p9gate.gateway.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.netty.buffer.ByteBuf;
import io.p9gate.gateway.proto.Errno;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Bodies that do not follow the layout: each is refused with the errno the session will send (R-ROB-1). */
class MalformedBodyTest {
    static Stream<Arguments> cases() {
        return Stream.of(
                Arguments.of("Tclunk short fid", 120, "010000", Errno.EPROTO),
                Arguments.of("Tclunk trailing byte", 120, "01000000 ff", Errno.EPROTO),
                Arguments.of("Tflush empty", 108, "", Errno.EPROTO),
                Arguments.of("Twrite count past end", 118, "01000000 0000000000000000 10000000 6162", Errno.EPROTO),
                Arguments.of(
                        "Twrite count huge (negative as int)",
                        118,
                        "01000000 0000000000000000 ffffffff 61",
                        Errno.EPROTO),
                Arguments.of("Twalk string past end", 110, "01000000 02000000 0100 0500 6162", Errno.EPROTO),
                Arguments.of("Twalk fewer names than nwname", 110, "01000000 02000000 0200 0100 61", Errno.EPROTO),
                Arguments.of("Twalk 17 names", 110, "01000000 02000000 1100", Errno.EINVAL),
                Arguments.of(
                        "Tattach invalid UTF-8", 104, "01000000 ffffffff 0200 c328 0100 61 00000000", Errno.EINVAL),
                Arguments.of(
                        "Tattach lone continuation byte",
                        104,
                        "01000000 ffffffff 0100 80 0100 61 00000000",
                        Errno.EINVAL),
                Arguments.of(
                        "Tlcreate NUL in name", 14, "01000000 0300 610062 00000000 00000000 00000000", Errno.EINVAL),
                // The ASCII fast path stopped at the first non-ASCII byte, and the UTF-8 decoder takes NUL.
                Arguments.of(
                        "Tlcreate NUL after a non-ASCII byte",
                        14,
                        "01000000 0400 c3a90062 00000000 00000000 00000000",
                        Errno.EINVAL),
                Arguments.of(
                        "Tattach aname with NUL after a non-ASCII byte",
                        104,
                        "01000000 ffffffff 0100 61 0700 64617461c3a900 00000000",
                        Errno.EINVAL),
                Arguments.of("Tversion string length past end", 100, "00200000 ff00 39", Errno.EPROTO),
                Arguments.of("Tgetattr short mask", 24, "01000000 ff3f0000", Errno.EPROTO),
                Arguments.of(
                        "Tlock missing client id",
                        52,
                        "01000000 01 01000000 0000000000000000 0000000000000000 2a000000",
                        Errno.EPROTO));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void refusedWithErrno(String name, int type, String bodyHex, Errno expected) {
        ByteBuf body = Hex.buf(bodyHex);
        MalformedMessageException e = assertThrows(
                MalformedMessageException.class, () -> MessageDecoder.decode(type, body, Direction.REQUESTS));
        assertEquals(expected, e.errno(), e.getMessage());
        assertEquals(1, body.refCnt(), "no slice of the body left retained");
        body.release();
    }
}
