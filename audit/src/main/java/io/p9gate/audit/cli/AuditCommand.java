package io.p9gate.audit.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code p9gate audit}: review and prove the audit log (R-AUD-2, R-AUD-3, R-AUD-5). Runs standalone with
 * {@code new CommandLine(new AuditCommand()).execute(args)}; the gateway registers it under its main command.
 */
@Command(name = "audit", description = "Verify, review, prove and export the signed audit log.",
        mixinStandardHelpOptions = true,
        subcommands = {VerifyCommand.class, ShowCommand.class, ProveCommand.class, CheckProofCommand.class,
                ExportCommand.class})
public final class AuditCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(),
                "missing subcommand (verify, show, prove, check-proof, export)");
    }

    /**
     * A command line for this command (or {@link KeysCommand}) whose input errors print one line, not the usage
     * screen: what the gateway's main and scripts want.
     */
    public static CommandLine commandLine(Object command) {
        CommandLine cl = new CommandLine(command);
        cl.setParameterExceptionHandler((ex, args) -> {
            ex.getCommandLine().getErr().println("p9gate: " + ex.getMessage()
                    + " (see '" + ex.getCommandLine().getCommandSpec().qualifiedName() + " --help')");
            return CommandLine.ExitCode.USAGE;
        });
        return cl;
    }
}
