package io.p9gate.gateway.compliance;

import io.p9gate.policy.terms.SharePath;
import java.io.IOException;

/** Runs one {@link Form} on the target a group offers as one check; skipped, saying why, without a target. */
final class FormCheck {
    private FormCheck() {}

    static void run(
            CheckLog log, Probing p, String idPrefix, String requirement, String subject, Form form, Targets targets)
            throws IOException {
        SharePath target = targets.forNeeds(form.needs);
        Attempt a = new Attempt(
                log,
                p.session(),
                idPrefix + "/" + form.slug(),
                p.share(),
                requirement,
                subject + ": " + form.label + (target == null ? "" : " " + target));
        if (target == null) {
            a.skip(
                    form.needs == Form.Needs.NEW_NAME || form.needs == Form.Needs.ANY_NAME
                            ? "no directory to probe a new name in (" + targets.missing() + ")"
                            : targets.missing());
            return;
        }
        form.run(p, a, target);
        a.finishIfOpen();
    }
}
