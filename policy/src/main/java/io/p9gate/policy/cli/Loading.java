package io.p9gate.policy.cli;

import io.p9gate.policy.PolicyEngine;
import io.p9gate.policy.load.PolicyLoadException;
import picocli.CommandLine;

import java.nio.file.Path;

/** Loads a policy for a command, turning a load failure into one "file:line:col: error: reason" line. */
final class Loading {

    static final int INVALID = 1;

    private Loading() {}

    /** @return the engine, or null after printing the error */
    static PolicyEngine engine(CommandLine cmd, Path file) {
        try {
            return PolicyEngine.load(file);
        } catch (PolicyLoadException e) {
            cmd.getErr().println(e.pos() + ": error: " + e.reason());
            return null;
        } catch (RuntimeException e) {
            cmd.getErr().println(file + ": error: " + e.getMessage());
            return null;
        }
    }
}
