package io.p9gate.audit.cli;

import picocli.CommandLine.Option;

/** The {@code --top N} option of the summaries ({@code stats}, {@code report}): how many denied paths to list. */
final class TopOption {
    @Option(
            names = "--top",
            paramLabel = "N",
            description = "How many denied paths to list. Default: ${DEFAULT-VALUE}.")
    int top = 10;

    int checked() throws UserError {
        if (top < 0) {
            throw CliCommand.badOption("--top must be 0 or more, not " + top);
        }
        return top;
    }
}
