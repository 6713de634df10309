package io.p9gate.audit.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code p9gate audit}: review and prove the audit log (R-AUD-2, R-AUD-3, R-AUD-5). Runs standalone with
 * {@code new CommandLine(new AuditCommand()).execute(args)}; the gateway registers it under its main command.
 */
@Command(
        name = "audit",
        description = "Verify, review, prove and export the signed audit log.",
        mixinStandardHelpOptions = true,
        subcommands = {
            VerifyCommand.class,
            ShowCommand.class,
            StatsCommand.class,
            ReportCommand.class,
            ProveCommand.class,
            CheckProofCommand.class,
            ExportCommand.class
        },
        footerHeading = "%nExamples:%n",
        footer = {
            "  p9gate audit verify --log /var/lib/p9gate/audit --key /etc/p9gate/audit.pub",
            "  p9gate audit show --log /var/lib/p9gate/audit --decision refused --since 1h"
        })
public final class AuditCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(
                spec.commandLine(),
                "missing subcommand (" + String.join(", ", spec.subcommands().keySet()) + ")");
    }

    /**
     * A command line for this command (or {@link KeysCommand}) whose input errors print one line, not the usage
     * screen: what the gateway's main and scripts want.
     */
    public static CommandLine commandLine(Object command) {
        return CliMessages.oneLineErrors(new CommandLine(command));
    }

    /** Runs the command line and exits; for a launcher's main (a reviewer's machine needs only this module). */
    public static void main(String[] args) {
        System.exit(StandardOutput.execute(commandLine(new AuditCommand()), args));
    }
}
