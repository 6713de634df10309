package io.p9gate.policy.quota;

import java.io.Serial;

/** A reservation that would take a scope past its limit; the operation must fail with EDQUOT. */
public final class QuotaExceededException extends Exception {
    @Serial
    private static final long serialVersionUID = 1L;

    public static final String ERRNO = "EDQUOT";

    private final String quotaId;

    public QuotaExceededException(String quotaId, String message) {
        super(message);
        this.quotaId = quotaId;
    }

    public String quotaId() {
        return quotaId;
    }

    public String errno() {
        return ERRNO;
    }
}
