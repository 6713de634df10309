package io.p9gate.policy.cli;

import io.p9gate.audit.cli.CliMessages;
import io.p9gate.audit.cli.StandardOutput;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code p9gate policy}: tooling for policy authors (R-POL-8). Exit codes: 0 success, 1 the policy or
 * a test is wrong, 2 bad command-line usage.
 */
@Command(
        name = "policy",
        mixinStandardHelpOptions = true,
        description = "Check, explain, test, format and replay share policies.",
        subcommands = {
            CheckCommand.class,
            ExplainCommand.class,
            TestCommand.class,
            FmtCommand.class,
            ReplayCommand.class
        },
        footerHeading = "%nExamples:%n",
        footer = {
            "  p9gate policy check --strict policies/infotainment.yaml",
            "  p9gate policy test policies/infotainment.tests.yaml"
        })
public final class PolicyCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        return CliMessages.usageError(
                spec,
                "name a subcommand: " + String.join(", ", spec.subcommands().keySet()));
    }

    /** A command line for this command whose input errors print one line, not the usage screen. */
    public static CommandLine commandLine() {
        return CliMessages.oneLineErrors(new CommandLine(new PolicyCommand()));
    }

    /** Runs the command line and exits; for a launcher's main. */
    public static void main(String[] args) {
        System.exit(StandardOutput.execute(commandLine(), args));
    }
}
