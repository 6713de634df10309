package io.p9gate.gateway.policyadapter;

import io.p9gate.policy.PolicyCheck;
import io.p9gate.policy.load.PolicyLoadException;
import io.p9gate.policy.load.PolicyValidator;
import io.p9gate.policy.model.PolicyFile;
import io.p9gate.policy.protect.StatePath;
import java.util.List;

/**
 * What the gateway checks of a policy it is about to serve, at start and at every reload, beyond what the file
 * can say about itself: no share reaches the state this gateway was started with (its audit key and public key,
 * audit directory, pid file; R-POL-9, whatever {@code protect:} says).
 */
public final class ServedPolicyCheck implements PolicyCheck {
    private final List<StatePath> state;

    /** @param state the gateway's own files and directories, beside the policy's */
    public ServedPolicyCheck(List<StatePath> state) {
        this.state = List.copyOf(state);
    }

    @Override
    public void check(PolicyFile policy) throws PolicyLoadException {
        PolicyValidator.checkShares(policy, state);
    }
}
