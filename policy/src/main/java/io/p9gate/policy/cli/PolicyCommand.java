package io.p9gate.policy.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code p9gate policy}: tooling for policy authors (R-POL-8). Exit codes: 0 success, 1 the policy or
 * a test is wrong, 2 bad command-line usage.
 */
@Command(name = "policy", mixinStandardHelpOptions = true,
        description = "Check, explain and test share policies.",
        subcommands = {CheckCommand.class, ExplainCommand.class, TestCommand.class})
public final class PolicyCommand implements java.util.concurrent.Callable<Integer> {

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override public Integer call() {
        spec.commandLine().getErr().println("error: name a subcommand: check, explain or test (see 'policy --help')");
        return Subcommand.USAGE;
    }

    /** Runs the command line and exits; for a launcher's main. */
    public static void main(String[] args) {
        System.exit(new CommandLine(new PolicyCommand()).execute(args));
    }
}
