package io.p9gate.gateway.backend;

import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;

/** Validates a single path component a guest sends (walk, create, rename, link, ...). */
public final class Names {
    public static final int NAME_MAX = 255;

    private Names() {}

    /** Rejects "", ".", "..", names with '/' or NUL, and names longer than NAME_MAX bytes. */
    public static void check(String name) throws P9Exception {
        if (name.isEmpty() || name.equals(".") || name.equals("..")) {
            throw new P9Exception(Errno.EINVAL, "invalid name '" + name + "'");
        }
        if (name.indexOf('/') >= 0 || name.indexOf('\0') >= 0) {
            throw new P9Exception(Errno.EINVAL, "name contains '/' or NUL");
        }
        if (name.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > NAME_MAX) {
            throw new P9Exception(Errno.ENAMETOOLONG, "name too long");
        }
    }
}
