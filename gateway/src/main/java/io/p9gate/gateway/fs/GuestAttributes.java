package io.p9gate.gateway.fs;

import io.p9gate.gateway.backend.FileStat;
import io.p9gate.gateway.proto.Attr;
import io.p9gate.gateway.proto.Qid;

/** The Rgetattr attributes of a file from its stat as the guest is shown it (ids and modes already mapped). */
final class GuestAttributes {
    /** What Rgetattr always fills: the basic fields and the birth time (gen and data version are 0). */
    static final long FILLED = Attr.GETATTR_BASIC | Attr.GETATTR_BTIME;

    private GuestAttributes() {}

    static Attr of(FileStat s, Qid qid) {
        return new Attr(
                FILLED,
                qid,
                s.mode(),
                s.uid(),
                s.gid(),
                s.nlink(),
                s.rdev(),
                s.size(),
                s.blksize(),
                s.blocks(),
                s.atime().sec(),
                s.atime().nsec(),
                s.mtime().sec(),
                s.mtime().nsec(),
                s.ctime().sec(),
                s.ctime().nsec(),
                s.btime().sec(),
                s.btime().nsec(),
                0,
                0);
    }
}
