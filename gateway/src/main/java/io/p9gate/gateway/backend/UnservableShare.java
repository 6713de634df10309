package io.p9gate.gateway.backend;

import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import java.io.Serial;

/**
 * A share directory the gateway refuses to serve because of what it is on (EMEDIUMTYPE): a kernel pseudo
 * filesystem, or one that matches names without case. {@link #reason} is the one line an operator reads.
 */
public final class UnservableShare extends P9Exception {
    @Serial
    private static final long serialVersionUID = 1L;

    private final String reason;

    UnservableShare(String directory, String reason) {
        super(Errno.EMEDIUMTYPE, directory + " is " + reason);
        this.reason = reason;
    }

    /** Why, for the operator: e.g. "a kernel pseudo filesystem (proc, sysfs, ...), not files". */
    public String reason() {
        return reason;
    }
}
