package io.p9gate.gateway.session;

import io.p9gate.gateway.proto.TMessage;
import io.p9gate.gateway.proto.TMessage.FileRequest;

/**
 * Clamps the count of Tread and Treaddir to what an Rread/Rreaddir can carry within msize, so a
 * handler may size its buffer from the count: a guest asking for 4 GiB gets at most one frame's
 * worth, and no oversized reply has to be thrown away. Treaddir is further held to
 * {@link #READDIR_MAX_COUNT}: every entry of a listing is looked at by the policy, and one request
 * over a large directory must not hold a worker for long (R-ROB-2); the client just asks again.
 */
final class ReplyBudget {
    /** size[4] type[1] tag[2] count[4] before the data of Rread and Rreaddir. */
    static final int DATA_HEADER = 4 + 1 + 2 + 4;
    /** Entry bytes of one Rreaddir: about 2,000 entries of short names. */
    static final int READDIR_MAX_COUNT = 64 * 1024;

    private ReplyBudget() {}

    static FileRequest clamp(FileRequest request, int msize) {
        int max = msize - DATA_HEADER;
        if (request instanceof TMessage.Tread r && Integer.compareUnsigned(r.count(), max) > 0) {
            return new TMessage.Tread(r.fid(), r.offset(), max);
        }
        int maxListing = Math.min(max, READDIR_MAX_COUNT);
        if (request instanceof TMessage.Treaddir d && Integer.compareUnsigned(d.count(), maxListing) > 0) {
            return new TMessage.Treaddir(d.fid(), d.offset(), maxListing);
        }
        return request;
    }
}
