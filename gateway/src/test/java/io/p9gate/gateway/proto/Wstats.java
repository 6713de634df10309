package io.p9gate.gateway.proto;

import java.util.Optional;

/** Twstat requests for tests: every field "don't touch" (~0 numbers, empty strings) but the ones given. */
public final class Wstats {
    private Wstats() {}

    /** A 9P2000 wstat changing {@code mode}, {@code name} (empty: not), the times and length (-1: not). */
    public static Stat.Common common(int mode, String name, int atime, int mtime, long length, String uid) {
        return new Stat.Common(0xffff, -1, new Qid(0xff, -1, -1L), mode, atime, mtime, length, name, uid, "", "");
    }

    public static TMessage.Twstat chmod(int fid, int mode) {
        return new TMessage.Twstat(fid, new Stat(common(mode, "", -1, -1, -1L, ""), Optional.empty()));
    }

    public static TMessage.Twstat rename(int fid, String name) {
        return new TMessage.Twstat(fid, new Stat(common(-1, name, -1, -1, -1L, ""), Optional.empty()));
    }

    public static TMessage.Twstat plain(int fid, Stat.Common common) {
        return new TMessage.Twstat(fid, new Stat(common, Optional.empty()));
    }

    /** A 9P2000.u wstat: {@code common} and the numeric owner and group (-1: not). */
    public static TMessage.Twstat unix(int fid, Stat.Common common, int nUid, int nGid) {
        return new TMessage.Twstat(fid, new Stat(common, Optional.of(new Stat.Unix("", nUid, nGid, -1))));
    }

    /** Changes nothing: a sync request (stat(5)). */
    public static TMessage.Twstat sync(int fid) {
        return plain(fid, common(-1, "", -1, -1, -1L, ""));
    }
}
