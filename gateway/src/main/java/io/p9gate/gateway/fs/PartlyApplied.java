package io.p9gate.gateway.fs;

import io.p9gate.gateway.proto.P9Exception;
import java.io.Serial;

/**
 * A change that failed after part of it was made on the host and could not be taken back (a Tsetattr whose
 * truncate was made before its chmod was refused): the guest gets {@code cause}'s errno, and the outcome record
 * adds {@link #detail} (e.g. {@code applied=0x8}), so the log says what the host kept.
 */
final class PartlyApplied extends P9Exception {
    @Serial
    private static final long serialVersionUID = 1L;

    private final String detail;

    PartlyApplied(P9Exception cause, String detail) {
        super(cause.errno(), cause.getMessage() + " (" + detail + ")", cause);
        this.detail = detail;
    }

    /** Words for the outcome record's detail. */
    String detail() {
        return detail;
    }
}
