package io.p9gate.gateway.session;

import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.RMessage;
import io.p9gate.gateway.proto.TMessage;

/**
 * What a Tversion asks for and what the server answers: msize is the smaller of the two sides'
 * maxima; any version string starting with 9P2000.L gets 9P2000.L, anything else "unknown".
 *
 * @param msize  the negotiated msize
 * @param accept true if a session should be opened (known version, msize usable)
 */
record VersionNegotiation(int msize, boolean known, boolean accept) {
    static final String VERSION = "9P2000.L";

    static VersionNegotiation of(TMessage.Tversion request, int maxMsize) {
        int msize = (int) Math.min(Integer.toUnsignedLong(request.msize()), maxMsize);
        boolean known = request.version().startsWith(VERSION);
        return new VersionNegotiation(msize, known, known && msize >= SessionSettings.MIN_MSIZE);
    }

    /** The reply, given whether the new session could be opened. */
    RMessage reply(boolean opened) {
        if (!known) {
            return new RMessage.Rversion(msize, "unknown");
        }
        if (!accept) {
            return new RMessage.Rlerror(Errno.EINVAL);
        }
        return opened ? new RMessage.Rversion(msize, VERSION) : new RMessage.Rlerror(Errno.EIO);
    }
}
