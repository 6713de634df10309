package io.p9gate.gateway.fs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.RMessage;
import io.p9gate.gateway.proto.TMessage;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A Twalk or Txattrwalk with newfid == fid claims its fid inside its guarded call; a Tlopen of that fid sent as the
 * walk's record is written (after the claim) must not take the fid from under it. Before, the claim only checked the
 * fid: the open took it, the walk was answered Rwalk (and recorded so) while the fid stayed the old, now open, one.
 */
class WalkInPlaceClaimTest extends RecordedShareTest {
    Errno openErrno;

    /** Runs {@code walk} with a Tlopen of {@code fid} sent as its record is written; the walk's reply. */
    private RMessage walkedWhileOpened(TMessage.FileRequest walk, Operation op, int fid) throws P9Exception {
        audit.meanwhile = () -> {
            try {
                s.call(new TMessage.Tlopen(fid, 0));
                openErrno = null;
            } catch (P9Exception e) {
                openErrno = e.errno();
            }
        };
        audit.meanwhileOf = op;
        long opens = opens();
        RMessage reply = s.call(walk);
        assertEquals(Errno.EINVAL, openErrno, "the fid was claimed by the walk: the open is refused");
        assertEquals(opens, opens(), "refused before any decision, as an open of an open fid");
        return reply;
    }

    private long opens() {
        return audit.records.stream()
                .filter(r -> r.request().operation() == Operation.OPEN)
                .count();
    }

    @Test
    void aWalkInPlaceKeepsItsFidAgainstAConcurrentOpen() throws Exception {
        s.walk(0, 2);
        assertEquals(
                RMessage.Rwalk.class,
                walkedWhileOpened(new TMessage.Twalk(2, 2, List.of("f")), Operation.WALK, 2)
                        .getClass());
        RMessage.Rgetattr attr = s.expect(RMessage.Rgetattr.class, new TMessage.Tgetattr(2, 0x3fff));
        assertFalse(attr.attr().qid().isDirectory(), "answered Rwalk: the fid is the walked file");
        assertEquals("content", s.readString(walkedAndOpened()));
    }

    @Test
    void anXattrwalkInPlaceKeepsItsFidAgainstAConcurrentOpen() throws Exception {
        s.walk(0, 3);
        assertEquals(
                RMessage.Rxattrwalk.class,
                walkedWhileOpened(new TMessage.Txattrwalk(3, 3, ""), Operation.XATTR_LIST, 3)
                        .getClass());
        assertEquals(
                RMessage.Rread.class,
                s.call(new TMessage.Tread(3, 0, 100)).getClass(),
                "answered Rxattrwalk: the fid reads the name list");
    }

    /**
     * The reverse (review): a walk in place of a fid an open has claimed, sent as the open's record is written, took
     * the claimed fid; the open was answered Rlopen (and recorded) while its fid was no longer open (EBADF to Tread).
     * Now the walk is refused and the open keeps its fid.
     */
    @Test
    void anOpenKeepsItsFidAgainstAConcurrentWalkInPlace() throws Exception {
        s.walk(0, 2, "f");
        Errno[] walkErrno = new Errno[1];
        audit.meanwhile = () -> {
            try {
                s.call(new TMessage.Twalk(2, 2, List.of()));
            } catch (P9Exception e) {
                walkErrno[0] = e.errno();
            }
        };
        audit.meanwhileOf = Operation.OPEN;
        assertEquals(RMessage.Rlopen.class, s.call(new TMessage.Tlopen(2, 0)).getClass());
        assertEquals(Errno.EINVAL, walkErrno[0], "the fid was claimed by the open: the walk in place is refused");
        assertEquals("content", s.readString(2), "answered Rlopen: the fid is open");
    }

    /**
     * A Txattrcreate fid walked in place would drop its pending value: refused, EBADF since an xattr fid names no
     * file to walk from (12e5d89e; an open fid is EINVAL).
     */
    @Test
    void aFidWithAPendingXattrValueIsNotWalkedInPlace() throws Exception {
        s.walk(0, 2, "f");
        s.call(new TMessage.Txattrcreate(2, "user.kept", 1, 0));
        P9Exception walked = org.junit.jupiter.api.Assertions.assertThrows(
                P9Exception.class, () -> s.call(new TMessage.Twalk(2, 2, List.of())));
        assertEquals(Errno.EBADF, walked.errno());
    }

    private int walkedAndOpened() throws P9Exception {
        s.clunk(2);
        s.walk(0, 2, "f");
        s.lopen(2, 0);
        return 2;
    }
}
