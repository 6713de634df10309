package io.p9gate.policy;

import io.p9gate.policy.load.PolicyLoadException;
import io.p9gate.policy.model.PolicyFile;

/**
 * What the program that serves a policy checks beyond the file itself, at the first load and at every reload:
 * e.g. that no share reaches the audit key it was started with (R-POL-9). A failure refuses the load, or
 * keeps the old policy on reload, with the exception's one-line message.
 */
@FunctionalInterface
public interface PolicyCheck {
    PolicyCheck NONE = policy -> {};

    void check(PolicyFile policy) throws PolicyLoadException;
}
