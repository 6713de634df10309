package io.p9gate.gateway.cli;

import io.netty.util.internal.logging.InternalLoggerFactory;
import io.netty.util.internal.logging.JdkLoggerFactory;
import io.p9gate.audit.cli.AuditCommand;
import io.p9gate.audit.cli.CliMessages;
import io.p9gate.audit.cli.KeysCommand;
import io.p9gate.audit.cli.StandardOutput;
import io.p9gate.gateway.compliance.ComplianceCommand;
import io.p9gate.gateway.packaging.InstalledPackage;
import io.p9gate.gateway.systemd.JournalLogging;
import io.p9gate.policy.cli.PolicyCommand;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.Charset;
import java.nio.file.Path;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code p9gate} command. Each job is a subcommand class, listed in {@link #COMMANDS} and built by
 * {@link #command}; a command line that names one builds only that one ({@link #newCommandLine}). Bad arguments print one line on stderr and
 * exit 2, a failure one line and exit 1, both as {@code p9gate <command>: error: ...} ({@link CliMessages});
 * no stack trace ever reaches a user. Every command's help ends with examples ({@link UsageExamples}).
 */
@Command(
        name = "p9gate",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = "Policy-driven 9P2000.L file-sharing gateway.")
public final class Main implements Runnable {
    /** Exit code for a command line that cannot be run as given. */
    public static final int EXIT_USAGE = 2;
    /** Exit code for a valid command that failed (e.g. a port already in use). */
    public static final int EXIT_FAILURE = 1;
    /**
     * Exit code for a start that may succeed later unchanged: a share directory not there yet (a disk mounted late).
     * sysexits' EX_TEMPFAIL; the packaged unit restarts it, where it never restarts {@link #EXIT_USAGE}.
     */
    public static final int EXIT_RETRY = 75;

    private static final String LOG_FORMAT_PROPERTY = "java.util.logging.SimpleFormatter.format";
    /** time level logger: message [exception], on one line (the JDK default takes two). */
    private static final String ONE_LINE_LOG_FORMAT = "%1$tFT%1$tT.%1$tL%1$tz %4$s %3$s: %5$s%6$s%n";

    /**
     * Netty lists the network interfaces when its epoll transport loads (for TCP defaults and channel ids) and
     * warns, with a stack trace, when it cannot; the production unit's sandbox (RestrictAddressFamilies=AF_UNIX)
     * always makes it fail. Held here: java.util.logging keeps loggers only weakly, and with them their level.
     */
    private static final List<Logger> QUIET_NETTY_PROBES = List.of(
            Logger.getLogger("io.netty.util.NetUtilInitializations"),
            Logger.getLogger("io.netty.util.internal.MacAddressUtil"));

    /** The commands, in the order help lists them. */
    private static final List<String> COMMANDS =
            List.of("serve", "demo", "policy", "audit", "keys", "certs", "package", "compliance", "status", "help");

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing command");
    }

    public static void main(String[] args) {
        // One logging backend for Netty and us (java.util.logging); slf4j-api arrives transitively
        // without a binding and would print its own warning at startup.
        InternalLoggerFactory.setDefaultFactory(JdkLoggerFactory.INSTANCE);
        QUIET_NETTY_PROBES.forEach(logger -> logger.setLevel(Level.SEVERE));
        boolean journal = JournalLogging.stderrIsJournal(System.getenv());
        if (!journal && System.getProperty(LOG_FORMAT_PROPERTY) == null) {
            System.setProperty(LOG_FORMAT_PROPERTY, ONE_LINE_LOG_FORMAT);
        }
        // Build the log handlers now, while descriptors are free: JUL does it at the first record, and its
        // formatter then opens the time zone file. Under descriptor exhaustion that first record (the audit
        // log's failure, say) would fail and be lost (issue 8 item 2).
        Logger.getLogger("").getHandlers();
        CommandLine commandLine = newCommandLine(args);
        if (journal) {
            // Under systemd: a priority per line, and the journal's timestamps instead of our own.
            JournalLogging.useForJavaLogging();
            commandLine.setErr(
                    JournalLogging.prefixingStderr(new OutputStreamWriter(System.err, Charset.defaultCharset())));
        }
        System.exit(StandardOutput.execute(commandLine, args));
    }

    /** Runs one command line and returns its exit code (tests call this instead of {@link #main}). */
    public static int execute(String... args) {
        return newCommandLine(args).execute(args);
    }

    /** As {@link #execute(String...)}, with output captured (for tests). */
    static int execute(PrintWriter out, PrintWriter err, String... args) {
        CommandLine commandLine = newCommandLine(args);
        commandLine.setOut(out);
        commandLine.setErr(err);
        return commandLine.execute(args);
    }

    /**
     * The configured command line for these arguments, with the one-line error handlers. When the first argument
     * names a command, only that command is built: picocli reflects over every option of every command it is
     * given, and building all ten took a third of a tool's start (docs/performance.md, "Start-up of the tools").
     * Any other command line ({@code --help}, {@code help ...}, a typo that wants suggestions, none) gets them all.
     */
    public static CommandLine newCommandLine(String... args) {
        CommandLine commandLine = new CommandLine(new Main());
        boolean one = args.length > 0 && !args[0].equals("help") && COMMANDS.contains(args[0]);
        for (String name : one ? List.of(args[0]) : COMMANDS) {
            commandLine.addSubcommand(name, command(name));
        }
        CommandLine policy = commandLine.getSubcommands().get("policy");
        if (policy != null) {
            // The policy module's tools know nothing of a running gateway; reload signals one, so it lives here.
            policy.addSubcommand("reload", new PolicyReloadCommand());
        }
        UsageExamples.addTo(commandLine);
        CliMessages.oneLineErrors(commandLine);
        commandLine.setExecutionExceptionHandler((e, cl, parsed) -> failed(cl, e));
        return commandLine;
    }

    /** A new instance of the command {@code name} (one of {@link #COMMANDS}); only its class is loaded. */
    private static Object command(String name) {
        return switch (name) {
            case "serve" -> new ServeCommand();
            case "demo" -> new DemoCommand();
            case "policy" -> new PolicyCommand();
            case "audit" -> new AuditCommand();
            case "keys" -> new KeysCommand();
            case "certs" -> new CertsCommand();
            case "package" -> new PackageCommand();
            case "compliance" -> new ComplianceCommand();
            case "status" -> new StatusCommand();
            case "help" -> new HelpCommand();
            default -> throw new IllegalArgumentException("not a p9gate command: " + name);
        };
    }

    private static int failed(CommandLine command, Exception e) {
        CliMessages.printError(
                command.getCommandSpec(),
                e instanceof IOException io
                        ? CliMessages.ioProblem(io) // the JDK leaves the reason out (permission denied)
                        : e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName());
        return e instanceof ExitStatus own ? own.exitStatus() : EXIT_FAILURE;
    }

    /**
     * The version from the jar manifest ("development build" when run from classes) and, in a package made by
     * {@code p9gate package}, the image, package version and runtime its MANIFEST names.
     */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String version = Main.class.getPackage().getImplementationVersion();
            String home = System.getProperty("p9gate.home");
            String packaged = home == null
                    ? ""
                    : InstalledPackage.header(Path.of(home))
                            .map(h -> " (package " + h.get("image") + " " + h.get("version") + ", Java " + h.get("java")
                                    + ")")
                            .orElse("");
            return new String[] {"p9gate " + (version != null ? version : "(development build)") + packaged};
        }
    }
}
