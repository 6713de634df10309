package io.p9gate.policy.protect;

import io.p9gate.policy.model.SourcePos;
import java.nio.file.Path;

/**
 * One piece of the gateway's own state that no share may reach (R-POL-9): the policy file and its Cedar
 * files, the audit signing key and its public key, the audit directory, the pid file, and the {@code protect:}
 * paths of the policy.
 *
 * @param label    what it is, for messages ("audit signing key")
 * @param path     where it is, as configured (it need not exist yet: a log directory is created at start)
 * @param declared where the policy file names it (a VM's socket or TLS files: the VM), for a refusal of the
 *     state itself; null when it is not named at a place of its own (the policy file, state the gateway is given)
 */
public record StatePath(String label, Path path, SourcePos declared) {
    public StatePath(String label, Path path) {
        this(label, path, null);
    }

    @Override
    public String toString() {
        return label + " " + path;
    }
}
