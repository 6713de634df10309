package io.p9gate.gateway.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Issue 13, start-up: a command line builds picocli's model of the one command it names, not of all ten (the
 * model of every option of every command was a third of a tool's start). What a user sees is the same: help,
 * suggestions and errors of any other command line still see the whole tree.
 */
class CommandTreeTest {
    private static final Set<String> ALL =
            Set.of("serve", "demo", "policy", "audit", "keys", "certs", "package", "compliance", "status", "help");

    @Test
    void aCommandLineNamingACommandBuildsOnlyThatCommand() {
        assertEquals(
                Set.of("audit"),
                Main.newCommandLine("audit", "verify", "--log", "x")
                        .getSubcommands()
                        .keySet());
        assertEquals(
                Set.of("policy"),
                Main.newCommandLine("policy", "check", "p.yaml")
                        .getSubcommands()
                        .keySet());
        assertTrue(
                Main.newCommandLine("policy", "reload")
                        .getSubcommands()
                        .get("policy")
                        .getSubcommands()
                        .containsKey("reload"),
                "policy reload is added to the policy command however it is built");
    }

    @Test
    void anyOtherCommandLineBuildsTheWholeTree() {
        for (List<String> args :
                List.of(List.<String>of(), List.of("--help"), List.of("help", "audit"), List.of("serv"))) {
            assertEquals(
                    ALL,
                    Main.newCommandLine(args.toArray(String[]::new))
                            .getSubcommands()
                            .keySet(),
                    args.toString());
        }
        assertEquals(ALL, Main.newCommandLine().getSubcommands().keySet());
    }

    @Test
    void errorsAndHelpAreTheSameAsWithTheWholeTree() {
        CliRun bad = CliRun.of("audit", "verify", "--log", "x", "--key", "y", "--bogus");
        assertEquals(Main.EXIT_USAGE, bad.code());
        assertTrue(bad.err().startsWith("p9gate audit verify: error: Unknown option: '--bogus'"), bad.err());
        CliRun help = CliRun.of("audit", "report", "--help");
        assertEquals(0, help.code(), help.err());
        assertTrue(help.out().startsWith("Usage: p9gate audit report "), help.out());
        assertTrue(help.out().contains("Examples:"), help.out());
    }
}
