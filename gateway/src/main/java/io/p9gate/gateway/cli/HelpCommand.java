package io.p9gate.gateway.cli;

import java.io.PrintWriter;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code p9gate help [COMMAND...]}: the help of any command, however deep ({@code p9gate help policy check} is the
 * help of {@code policy check}; picocli's own help command looks at the first name only).
 */
@Command(
        name = "help",
        helpCommand = true,
        mixinStandardHelpOptions = true, // --help is the help of help, as for every command
        versionProvider = Main.Version.class,
        description = "Show the help of a command: p9gate help policy check.",
        footerHeading = "%nExamples:%n",
        footer = {"  p9gate help audit verify", "  p9gate help policy check"})
final class HelpCommand implements CommandLine.IHelpCommandInitializable2, Runnable {
    @Parameters(paramLabel = "COMMAND", arity = "0..*", description = "the command, e.g. policy check")
    List<String> names = List.of();

    private CommandLine self;
    private PrintWriter out;
    private CommandLine.Help.ColorScheme colors;

    @Override
    public void init(
            CommandLine helpCommandLine,
            CommandLine.Help.ColorScheme colorScheme,
            PrintWriter outWriter,
            PrintWriter errWriter) {
        this.self = helpCommandLine;
        this.colors = colorScheme;
        this.out = outWriter;
    }

    @Override
    public void run() {
        CommandLine command = self.getParent();
        for (String name : names) {
            CommandLine sub = command.getSubcommands().get(name);
            if (sub == null) {
                throw new CommandLine.ParameterException(
                        self,
                        "no command '" + name + "' in '"
                                + command.getCommandSpec().qualifiedName() + "' (commands: "
                                + String.join(", ", command.getSubcommands().keySet()) + ")",
                        null,
                        name);
            }
            command = sub;
        }
        command.usage(out, colors);
        out.flush();
    }
}
