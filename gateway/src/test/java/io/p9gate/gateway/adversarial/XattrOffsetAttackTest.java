package io.p9gate.gateway.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.p9gate.gateway.adversarial.ChokePointGateway.Mode;
import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.TMessage;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Issue 8 item 11: a Twrite on a Txattrcreate fid at offset 2^63-2 overflowed the bounds check
 * ({@code offset + n > size} wraps negative), so the copy threw and the guest got a silent EIO. Offsets past the
 * announced size are EFBIG, offsets that are negative as a signed 64-bit number EINVAL, as Linux's pwrite answers;
 * the pending value is untouched and the fid still works.
 */
class XattrOffsetAttackTest {
    private static final byte[] FOUR = "abcd".getBytes(StandardCharsets.US_ASCII);

    @TempDir
    Path tmp;

    @ParameterizedTest
    @EnumSource(Mode.class)
    void offsetsPastTheAnnouncedSizeAreRefusedWithoutOverflow(Mode mode) throws Exception {
        try (ChokePointGateway gw = ChokePointGateway.start(tmp, mode);
                P9Client alpha = gw.alpha()) {
            alpha.attach(0, "u", "data", 0);
            alpha.walk(0, 1, "f");
            alpha.rpc(new TMessage.Txattrcreate(1, "user.x", FOUR.length, 0));
            for (long offset : new long[] {Long.MAX_VALUE - 1, Long.MAX_VALUE, 1L << 62, Integer.MAX_VALUE, 1}) {
                assertEquals(
                        Errno.EFBIG,
                        assertThrows(P9Exception.class, () -> alpha.write(1, offset, FOUR))
                                .errno(),
                        "offset " + Long.toUnsignedString(offset));
            }
            for (long offset : new long[] {-1, Long.MIN_VALUE, -FOUR.length}) {
                assertEquals(
                        Errno.EINVAL,
                        assertThrows(P9Exception.class, () -> alpha.write(1, offset, FOUR))
                                .errno(),
                        "offset " + Long.toUnsignedString(offset));
            }
            assertEquals(FOUR.length, alpha.write(1, 0, FOUR), "the fid still takes its value");
            alpha.clunk(1);
        }
        var view = Files.getFileAttributeView(tmp.resolve("shares/data/f"), UserDefinedFileAttributeView.class);
        ByteBuffer value = ByteBuffer.allocate(view.size("x"));
        view.read("x", value);
        assertEquals("abcd", new String(value.array(), StandardCharsets.US_ASCII));
    }
}
