package io.p9gate.gateway.fs;

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
    GETLOCK
}
