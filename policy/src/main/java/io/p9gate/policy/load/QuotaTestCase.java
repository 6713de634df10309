package io.p9gate.policy.load;

import io.p9gate.policy.model.SourcePos;

/**
 * A quota case of a policy test file (R-POL-6): the limits a write at {@code path} counts against, as the
 * tightest of the quotas whose subtree holds it ({@link io.p9gate.policy.quota.QuotaSpec#UNLIMITED} for
 * "unlimited"); null when the case does not assert that limit. {@code share} may be null (host path).
 */
public record QuotaTestCase(
        String name, String vm, String share, String path, Long bytes, Long inodes, SourcePos pos) {}
