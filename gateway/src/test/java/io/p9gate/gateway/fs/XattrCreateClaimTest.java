package io.p9gate.gateway.fs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.TMessage;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A Txattrcreate turns its fid into the value being written: a Tclunk of that fid sent as its record is written
 * comes after it (and commits the value), so the guest is answered as recorded. Before, the fid was replaced only
 * after the record: the clunk took it first and the guest got EBADF while the record said the Txattrcreate succeeded.
 */
class XattrCreateClaimTest extends RecordedShareTest {
    Meanwhile clunk;

    @Test
    void aClunkDuringTheRecordComesAfterTheXattrcreate() throws Exception {
        s.walk(0, 1, "f");
        audit.meanwhile = () -> clunk = Meanwhile.start(() -> {
            try {
                s.call(new TMessage.Tclunk(1));
            } catch (P9Exception e) {
                // a failed commit is still a clunk: the fid is gone either way
            }
        });
        audit.meanwhileOf = Operation.XATTR_CREATE;
        Errno errno;
        try {
            s.call(new TMessage.Txattrcreate(1, "user.a", 0, 0));
            errno = null;
        } catch (P9Exception e) {
            errno = e.errno();
        }
        clunk.join();
        GuardedFsTest.Recorded created = audit.records.stream()
                .filter(r -> r.request().operation() == Operation.XATTR_CREATE)
                .reduce((a, b) -> b)
                .orElseThrow();
        assertEquals(errno, created.outcome().errno(), "the record says what the guest got");
        assertNull(errno, "the Txattrcreate came first");
        List<Operation> ops =
                audit.records.stream().map(r -> r.request().operation()).toList();
        assertEquals(Operation.XATTR_COMMIT, ops.getLast(), "then the clunk, which commits the (empty) value");
        assertEquals(Errno.EBADF, s.fails(new TMessage.Tgetattr(1, 0)));
    }
}
