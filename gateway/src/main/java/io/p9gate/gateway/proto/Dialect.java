package io.p9gate.gateway.proto;

import java.util.Optional;

/**
 * The 9P dialect a session negotiated at Tversion (R-PROTO-7): which message types it may use and how some shared
 * ones are laid out (Tattach's n_uname, the error reply).
 */
public enum Dialect {
    /** 9P2000.L, the Linux client's dialect: Rlerror, Tlopen, Tgetattr, Treaddir, ... */
    L("9P2000.L"),
    /** 9P2000.u: 9P2000 plus numeric ids, errno in Rerror and symlinks/devices in a stat's extension. */
    U("9P2000.u"),
    /** 9P2000 of the Plan 9 manual, section 5. */
    LEGACY("9P2000");

    private static final String BASE = "9P2000";

    private final String version;

    Dialect(String version) {
        this.version = version;
    }

    /** The version string Rversion answers for this dialect. */
    public String version() {
        return version;
    }

    /**
     * The dialect a Tversion string asks for, empty if none. version(5): what follows the first period is an
     * extension the server may drop, so 9P2000 with a suffix this server does not speak is read as plain 9P2000;
     * a version other than 9P2000 is unknown. 9P2000.L keeps accepting suffixes of its own (9P2000.L.x), as
     * before.
     */
    public static Optional<Dialect> requested(String version) {
        if (version.startsWith(L.version)) {
            return Optional.of(L);
        }
        if (version.equals(U.version) || version.startsWith(U.version + ".")) {
            return Optional.of(U);
        }
        if (version.equals(BASE) || version.startsWith(BASE + ".")) {
            return Optional.of(LEGACY);
        }
        return Optional.empty();
    }
}
