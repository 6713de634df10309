package io.p9gate.gateway.policyadapter;

import io.p9gate.gateway.fs.ChownedIds;
import io.p9gate.gateway.fs.HostProcess;
import io.p9gate.gateway.fs.IdTranslation;
import io.p9gate.gateway.fs.Ownership;
import io.p9gate.gateway.fs.XattrIds;

/** How mapped ownership is kept on the host (R-POL-5); {@code serve --ownership} chooses. */
public enum OwnershipMode {
    /** The gateway chowns files to the mapped host ids (needs CAP_CHOWN). */
    CHOWN,
    /** The guest's ids and mode live in user.p9gate.* xattrs (an unprivileged gateway). */
    XATTR;

    /** CHOWN when {@code host} runs as root, else XATTR. */
    public static OwnershipMode automatic(HostProcess host) {
        return host.runsAsRoot() ? CHOWN : XATTR;
    }

    Ownership with(IdTranslation ids) {
        return switch (this) {
            case CHOWN -> new ChownedIds(ids);
            case XATTR -> new XattrIds(ids);
        };
    }
}
