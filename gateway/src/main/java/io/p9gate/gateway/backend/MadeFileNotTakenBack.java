package io.p9gate.gateway.backend;

import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import java.io.Serial;

/**
 * A Tlcreate that failed after it made its file, whose file the create could not take back: other requests had
 * already renamed it away, replaced or removed its name (while it kept another), or the take-back itself failed. The
 * file made lives on, or its name's removal was counted as the removal of a file made, so a quota must count the
 * create's inode as made although the create fails (with the errno of its own error, EIO for a fault).
 */
public final class MadeFileNotTakenBack extends P9Exception {
    @Serial
    private static final long serialVersionUID = 1L;

    MadeFileNotTakenBack(P9Exception failure) {
        super(failure.errno(), failure.getMessage() + " (after the file was made; not taken back)", failure);
    }

    /** A fault (a bug) after the file was made: EIO, as for any fault; the fault is the cause, to be logged. */
    private MadeFileNotTakenBack(RuntimeException fault) {
        super(Errno.EIO, "create failed unexpectedly after the file was made; not taken back", fault);
    }

    /** The create's failure, a {@link P9Exception} or a {@link RuntimeException}, with the file made kept. */
    static MadeFileNotTakenBack of(Exception failure) {
        return failure instanceof P9Exception error
                ? new MadeFileNotTakenBack(error)
                : new MadeFileNotTakenBack((RuntimeException) failure);
    }
}
