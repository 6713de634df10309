package io.p9gate.gateway.fs;

import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import java.io.Serial;

/**
 * EDQUOT from the VM's own quota ({@link Quotas.Scopes#reserve}), before any host call: told apart from the host's
 * EDQUOT, which the host call itself answered (a write's set-id bits: {@link SetIdBits#modifiedBefore}).
 */
public final class QuotaRefused extends P9Exception {
    @Serial
    private static final long serialVersionUID = 1L;

    public QuotaRefused(String message) {
        super(Errno.EDQUOT, message);
    }
}
