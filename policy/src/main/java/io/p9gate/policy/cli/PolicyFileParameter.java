package io.p9gate.policy.cli;

import java.nio.file.Path;
import picocli.CommandLine.Parameters;

/** The policy file a subcommand works on: one, required. */
final class PolicyFileParameter {
    @Parameters(paramLabel = "FILE", arity = "1", description = "the policy YAML file")
    Path file;
}
