package io.p9gate.gateway.fs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.RMessage;
import io.p9gate.gateway.proto.TMessage;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A request that adds a fid (Twalk or Txattrwalk into a new fid, Tattach) holds its number from before its
 * decision: another request into the same number sent meanwhile is refused (EINVAL, before any decision). Before, the
 * number was only checked: the other request took it, and the first was answered EINVAL after a success record.
 */
class NewFidReuseTest extends RecordedShareTest {
    Errno otherErrno;

    /** Runs {@code request}, sending {@code other} into the same fid as it is decided; what the guest got. */
    private Errno addedWhileReused(TMessage.FileRequest request, Operation op, TMessage.FileRequest other) {
        policy.meanwhile = () -> {
            try {
                s.call(other);
                otherErrno = null;
            } catch (P9Exception e) {
                otherErrno = e.errno();
            }
        };
        policy.meanwhileOf = op;
        Errno errno;
        try {
            s.call(request);
            errno = null;
        } catch (P9Exception e) {
            errno = e.errno();
        }
        assertNull(policy.meanwhileOf, "the other request came meanwhile");
        GuardedFsTest.Recorded last = audit.records.stream()
                .filter(r -> r.request().operation() == op)
                .reduce((a, b) -> b)
                .orElseThrow();
        assertEquals(errno, last.outcome().errno(), "the record of " + request + " says what the guest got");
        return errno;
    }

    @Test
    void aWalkIntoANewFidHoldsItsNumber() throws Exception {
        assertNull(addedWhileReused(
                new TMessage.Twalk(0, 5, List.of("f")), Operation.WALK, new TMessage.Twalk(0, 5, List.of())));
        assertEquals(Errno.EINVAL, otherErrno, "the number was the walk's");
        RMessage.Rgetattr attr = s.expect(RMessage.Rgetattr.class, new TMessage.Tgetattr(5, 0x3fff));
        assertFalse(attr.attr().qid().isDirectory(), "fid 5 is the walked file");
    }

    @Test
    void anXattrwalkOrAttachIntoANewFidHoldsItsNumber() throws Exception {
        s.walk(0, 1, "f");
        assertNull(addedWhileReused(
                new TMessage.Txattrwalk(1, 6, ""), Operation.XATTR_LIST, new TMessage.Twalk(0, 6, List.of())));
        assertEquals(Errno.EINVAL, otherErrno);
        assertNull(addedWhileReused(
                new TMessage.Tattach(7, TMessage.NOFID, "root", "share", 0),
                Operation.ATTACH,
                new TMessage.Twalk(1, 7, List.of())));
        assertEquals(Errno.EINVAL, otherErrno);
        assertEquals(RMessage.Rread.class, s.call(new TMessage.Tread(6, 0, 100)).getClass(), "fid 6 reads names");
        RMessage.Rgetattr attr = s.expect(RMessage.Rgetattr.class, new TMessage.Tgetattr(7, 0x3fff));
        assertTrue(attr.attr().qid().isDirectory(), "fid 7 is the attached root");
    }
}
