package io.p9gate.policy.protect;

import java.nio.file.Path;

/**
 * One piece of the gateway's own state that no share may reach (R-POL-9): the policy file and its Cedar
 * files, the audit signing key and its public key, the audit directory, the pid file, and the {@code protect:}
 * paths of the policy.
 *
 * @param label what it is, for messages ("audit signing key")
 * @param path  where it is, as configured (it need not exist yet: a log directory is created at start)
 */
public record StatePath(String label, Path path) {
    @Override
    public String toString() {
        return label + " " + path;
    }
}
