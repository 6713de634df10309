package io.p9gate.gateway.session;

import io.p9gate.gateway.codec.WireDialect;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.RMessage;
import io.p9gate.gateway.proto.TMessage;
import io.p9gate.policy.dialect.Dialect;
import java.util.Optional;

/**
 * What a Tversion asks for and what the server answers: msize is the smaller of the two sides'
 * maxima; the version string is read as {@link #requested} says, anything else is "unknown".
 *
 * @param msize   the negotiated msize
 * @param dialect the dialect asked for, empty if the version string names none this server speaks
 * @param accept  true if a session should be opened (known version, msize usable)
 */
record VersionNegotiation(int msize, Optional<Dialect> dialect, boolean accept) {
    static final String UNKNOWN = "unknown";

    private static final String BASE = "9P2000";

    /**
     * The dialect a Tversion string asks for, empty if none. version(5): what follows the first period is an
     * extension the server may drop, so 9P2000 with a suffix this server does not speak is read as plain 9P2000;
     * a version other than 9P2000 is unknown. 9P2000.L keeps accepting suffixes of its own (9P2000.L.x), as
     * before.
     */
    static Optional<Dialect> requested(String version) {
        if (version.startsWith(Dialect.L.version())) {
            return Optional.of(Dialect.L);
        }
        if (version.equals(Dialect.U.version()) || version.startsWith(Dialect.U.version() + ".")) {
            return Optional.of(Dialect.U);
        }
        if (version.equals(BASE) || version.startsWith(BASE + ".")) {
            return Optional.of(Dialect.LEGACY);
        }
        return Optional.empty();
    }

    static VersionNegotiation of(TMessage.Tversion request, int maxMsize) {
        int msize = (int) Math.min(Integer.toUnsignedLong(request.msize()), maxMsize);
        Optional<Dialect> dialect = requested(request.version());
        return new VersionNegotiation(msize, dialect, dialect.isPresent() && msize >= SessionSettings.MIN_MSIZE);
    }

    /** The dialect the session is opened with; only asked once {@link #accept()} is true. */
    Dialect agreed() {
        return dialect.orElseThrow();
    }

    /**
     * The reply, given whether the new session could be opened. An error is spelled in the dialect asked for, to be
     * written as it is: a 9P2000 or .u client cannot read Rlerror (the Linux client would read its errno as an
     * Rerror's string length), and a .L client must get Rlerror even on a connection that spoke .u before.
     */
    RMessage reply(boolean opened) {
        if (dialect.isEmpty()) {
            return refused();
        }
        if (!accept) {
            return WireDialect.spell(agreed(), new RMessage.Rlerror(Errno.EINVAL));
        }
        return opened
                ? new RMessage.Rversion(msize, agreed().version())
                : WireDialect.spell(agreed(), new RMessage.Rlerror(Errno.EIO));
    }

    /** The reply when the dialect is not served to this client: version(5)'s "unknown", not an error. */
    RMessage refused() {
        return new RMessage.Rversion(msize, UNKNOWN);
    }
}
