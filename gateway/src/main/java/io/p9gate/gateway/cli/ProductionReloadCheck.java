package io.p9gate.gateway.cli;

import io.p9gate.policy.PolicyCheck;
import io.p9gate.policy.load.PolicyLoadException;
import io.p9gate.policy.model.PolicyFile;
import io.p9gate.policy.model.SourcePos;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * What a production gateway checks of its policy besides {@code served}: at the first load nothing more (the start
 * says the profile's refusals together, on one line with exit 2), at every reload the {@link ProductionPolicyRules}.
 * Without it a reload could drop a VM's {@code peer:} from a socket every user may connect to, or name a CA file
 * another user may change, and be taken: the profile held at start only.
 */
final class ProductionReloadCheck implements PolicyCheck {
    private final PolicyCheck served;
    private final AtomicBoolean started = new AtomicBoolean();

    ProductionReloadCheck(PolicyCheck served) {
        this.served = served;
    }

    @Override
    public void check(PolicyFile policy) throws PolicyLoadException {
        served.check(policy);
        if (!started.getAndSet(true)) {
            return;
        }
        List<String> why = ProductionPolicyRules.refusals(policy);
        if (!why.isEmpty()) {
            throw new PolicyLoadException(
                    new SourcePos(policy.source(), 0, 0), "production profile refuses it: " + String.join("; ", why));
        }
    }
}
