package io.p9gate.gateway.backend;

import io.p9gate.gateway.proto.P9Exception;
import java.io.Serial;

/**
 * A Tlcreate that failed after it made its file, whose file the create could not take back: other requests had
 * already renamed it away, replaced or removed its name (while it kept another), or the take-back itself failed. The
 * file made lives on, or its name's removal was counted as the removal of a file made, so a quota must count the
 * create's inode as made although the create fails (with the errno of its own error).
 */
public final class MadeFileNotTakenBack extends P9Exception {
    @Serial
    private static final long serialVersionUID = 1L;

    MadeFileNotTakenBack(P9Exception failure) {
        super(failure.errno(), failure.getMessage() + " (after the file was made; not taken back)", failure);
    }
}
