package io.p9gate.gateway.fs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.TMessage;
import org.junit.jupiter.api.Test;

/**
 * An xattr name over Linux's 255 bytes is ERANGE, and its message counts bytes, the unit of the limit: a name of 100
 * three-byte characters is refused as 300 bytes (before, "of 100 characters", under the limit it broke).
 */
class LongXattrNameMessageTest extends RecordedShareTest {
    @Test
    void theErangeMessageCountsBytes() throws Exception {
        s.walk(0, 1, "f");
        String name = "user." + "\u20ac".repeat(100);
        P9Exception refused = assertThrows(P9Exception.class, () -> s.call(new TMessage.Txattrcreate(1, name, 1, 0)));
        assertEquals(Errno.ERANGE, refused.errno());
        assertEquals("ERANGE: xattr name of 305 bytes", refused.getMessage());
    }
}
