package io.p9gate.gateway.fs;

import java.util.Locale;

/** What a guest request asks to do, as the policy and the audit trail see it (R-POL-2, R-AUD-1). */
public enum Operation {
    AUTH,
    ATTACH,
    WALK,
    OPEN,
    CREATE,
    READ,
    WRITE,
    CLUNK,
    REMOVE,
    STATFS,
    SYMLINK,
    MKNOD,
    MKDIR,
    LINK,
    RENAME,
    READLINK,
    GETATTR,
    SETATTR,
    XATTR_GET,
    XATTR_LIST,
    XATTR_CREATE,
    XATTR_COMMIT,
    READDIR,
    FSYNC,
    LOCK,
    GETLOCK;

    /** Lower-cased once: every request's decision and audit record ask for it. */
    private final String action = name().toLowerCase(Locale.ROOT);

    /**
     * The name a decision record gives it ({@code action=}, docs/audit-format.md), which is also the key of the
     * policy module's table of the kinds a request asks ({@code policy.terms.AskedKinds}).
     */
    public String action() {
        return action;
    }
}
