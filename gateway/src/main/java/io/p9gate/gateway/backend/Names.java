package io.p9gate.gateway.backend;

import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.policy.quota.UsageScanner;
import java.nio.charset.StandardCharsets;

/** Validates a single path component a guest sends (walk, create, rename, link, ...). */
public final class Names {
    public static final int NAME_MAX = 255;

    /**
     * The host name of an entry the gateway is still making ({@link Entries}: made under such a name, given its
     * owner and mode, then renamed to the guest's). No guest request names one and no listing shows one: a guest
     * that could move another entry onto it would have the gateway chmod and chown that entry. No quota scan counts
     * one (policy's UsageScanner, whose constant this is), and a share's opening sweeps leftovers ({@link
     * MakingLeftovers}).
     */
    public static final String MAKING_PREFIX = UsageScanner.MAKING_PREFIX;

    /**
     * How a reserved name of an entry a take-back moved aside begins ({@link UnmadeFile}): it may be another session's
     * entry, with its data, that could not be given back, so no sweep removes it, and a quota scan counts it.
     */
    static final String ASIDE_PREFIX = UsageScanner.ASIDE_PREFIX;

    private Names() {}

    /** Whether {@code name} is the gateway's own, of an entry it is making (or was, when it stopped). */
    public static boolean reserved(String name) {
        return name.startsWith(MAKING_PREFIX);
    }

    /**
     * Rejects "", ".", "..", names with '/' or NUL, names longer than NAME_MAX bytes, and names the gateway keeps
     * for entries it is making ({@link #reserved}).
     */
    public static void check(String name) throws P9Exception {
        if (name.isEmpty() || name.equals(".") || name.equals("..")) {
            throw new P9Exception(Errno.EINVAL, "invalid name '" + name + "'");
        }
        if (reserved(name)) {
            throw new P9Exception(Errno.EINVAL, "a name the gateway keeps for entries it is making");
        }
        if (name.indexOf('/') >= 0 || name.indexOf('\0') >= 0) {
            throw new P9Exception(Errno.EINVAL, "name contains '/' or NUL");
        }
        if (name.getBytes(StandardCharsets.UTF_8).length > NAME_MAX) {
            throw new P9Exception(Errno.ENAMETOOLONG, "name too long");
        }
    }
}
