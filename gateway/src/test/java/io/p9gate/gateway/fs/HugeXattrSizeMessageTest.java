package io.p9gate.gateway.fs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.TMessage;
import org.junit.jupiter.api.Test;

/**
 * A Txattrcreate's attr_size is a u64: one of 2^64-1 is E2BIG, and its message says the size as the guest sent it,
 * unsigned, as the request's record does (before, the message said "-1 bytes").
 */
class HugeXattrSizeMessageTest extends RecordedShareTest {
    @Test
    void theE2bigMessageSaysTheSizeUnsigned() throws Exception {
        s.walk(0, 1, "f");
        P9Exception refused =
                assertThrows(P9Exception.class, () -> s.call(new TMessage.Txattrcreate(1, "user.a", -1L, 0)));
        assertEquals(Errno.E2BIG, refused.errno());
        assertEquals("E2BIG: xattr value of 18446744073709551615 bytes", refused.getMessage());
        assertEquals(
                "user.a size=18446744073709551615",
                audit.records.getLast().request().detail(),
                "the record says it unsigned too");
    }
}
