package io.p9gate.policy.cli;

import io.p9gate.policy.PolicyEngine;
import io.p9gate.policy.load.PolicyLoadException;
import java.nio.file.Path;

/** Loads a policy for a command, turning a load failure into one "p9gate policy X: error: FILE:LINE:COL: why" line. */
final class Loading {

    static final int INVALID = 1;

    private Loading() {}

    /** @return the engine, or null after printing the error */
    static PolicyEngine engine(Subcommand command, Path file) {
        try {
            return PolicyEngine.load(file);
        } catch (PolicyLoadException e) {
            command.error(e.pos() + ": " + e.reason());
            return null;
        } catch (RuntimeException e) {
            command.error(file + ": " + e.getMessage());
            return null;
        }
    }
}
