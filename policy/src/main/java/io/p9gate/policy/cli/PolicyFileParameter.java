package io.p9gate.policy.cli;

import picocli.CommandLine.Parameters;

import java.nio.file.Path;

/** The policy file a subcommand works on: one, required. */
final class PolicyFileParameter {
    @Parameters(paramLabel = "FILE", arity = "1", description = "the policy YAML file")
    Path file;
}
