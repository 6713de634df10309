package io.p9gate.gateway.backend;

import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;

/**
 * A handle the kernel knows by a name that was removed (unlinked or renamed over) while its file lives on under
 * another name, which nothing here can tell: where the file is now is not known, so neither is what a policy that
 * decides by path would say about it. ESTALE, as an NFS server answers for a file handle it can no longer place.
 */
public final class RemovedName extends P9Exception {
    private static final long serialVersionUID = 1L;

    private final String removed;

    RemovedName(String removed) {
        super(Errno.ESTALE, "the name " + removed + " was removed and its file lives on under another");
        this.removed = removed;
    }

    /** The share path of the removed name, as an unlinked file keeps its last one. */
    public String removedPath() {
        return removed;
    }
}
