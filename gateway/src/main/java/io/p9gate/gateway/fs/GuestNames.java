package io.p9gate.gateway.fs;

import io.p9gate.gateway.backend.Names;
import io.p9gate.gateway.proto.P9Exception;

/**
 * The one rule for the names a guest sends, checked before a request is decided so that the policy only ever sees
 * paths made of real entry names (R-CONF-1): an entry name (create, mkdir, symlink, mknod, link, rename, unlink) is
 * never "", ".", "..", never holds '/' or NUL and fits NAME_MAX; a walk element may also be "." or "..", which the
 * walk resolves itself without leaving the share.
 */
final class GuestNames {
    private GuestNames() {}

    /** @throws P9Exception EINVAL (or ENAMETOOLONG) for a name no directory entry can have */
    static void checkEntry(String name) throws P9Exception {
        Names.check(name);
    }

    /** @throws P9Exception as {@link #checkEntry}, except that "." and ".." are walk elements */
    static void checkWalkElement(String name) throws P9Exception {
        if (!name.equals(".") && !name.equals("..")) {
            Names.check(name);
        }
    }
}
