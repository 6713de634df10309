package io.p9gate.gateway.fs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.netty.buffer.Unpooled;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.SetAttr;
import io.p9gate.gateway.proto.TMessage;
import org.junit.jupiter.api.Test;

/**
 * An xattr fid's Tread or Twrite offset and a Tsetattr's nanoseconds are u64 on the wire: 2^64-1 is EINVAL, and the
 * message says the number the guest sent, unsigned, as the records of offsets say it (raw12); before, "xattr read
 * offset -1", "xattr write at negative offset -1" (no guest sends a negative offset) and "nanoseconds out of range:
 * -1".
 */
class HugeWireOffsetMessageTest extends RecordedShareTest {
    private static final long U64_MAX = -1L;

    @Test
    void anXattrReadAtTheLargestOffset() throws Exception {
        s.walk(0, 1, "f");
        s.call(new TMessage.Txattrwalk(1, 2, "")); // the name list
        assertEquals(
                "EINVAL: xattr read offset 18446744073709551615",
                refused(new TMessage.Tread(2, U64_MAX, 10)).getMessage());
    }

    @Test
    void anXattrWriteAtTheLargestOffset() throws Exception {
        s.walk(0, 1, "f");
        s.call(new TMessage.Txattrcreate(1, "user.a", 4, 0));
        assertEquals(
                "EINVAL: xattr write at offset 18446744073709551615, beyond 2^63",
                refused(new TMessage.Twrite(1, U64_MAX, Unpooled.wrappedBuffer(new byte[] {1})))
                        .getMessage());
    }

    @Test
    void aSetattrOfTheLargestNanoseconds() throws Exception {
        s.walk(0, 1, "f");
        int valid = SetAttr.SETATTR_ATIME | SetAttr.SETATTR_ATIME_SET;
        assertEquals(
                "EINVAL: setattr atime nanoseconds out of range: 18446744073709551615",
                refused(new TMessage.Tsetattr(1, new SetAttr(valid, 0, 0, 0, 0, 0, U64_MAX, 0, 0)))
                        .getMessage());
    }

    private P9Exception refused(TMessage.FileRequest request) {
        P9Exception e = assertThrows(P9Exception.class, () -> s.call(request));
        assertEquals(Errno.EINVAL, e.errno(), e.getMessage());
        return e;
    }
}
