package io.p9gate.gateway.fs;

import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import java.io.Serial;

/**
 * A request the policy or the share's confinement refused, its refusal already recorded: nothing was done on the
 * host. A caller whose request has an effect that does not depend on the decision (a Tclunk frees its fid whatever
 * is decided) can tell it from a failure of the record or of the host.
 */
final class RecordedRefusal extends P9Exception {
    @Serial
    private static final long serialVersionUID = 1L;

    RecordedRefusal(Errno errno, String message) {
        super(errno, message);
    }
}
