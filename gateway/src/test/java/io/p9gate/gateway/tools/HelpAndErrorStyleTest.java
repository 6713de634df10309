package io.p9gate.gateway.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.cli.Main;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;

/**
 * Issue 13, policy authoring: every command's help has an example, required parameters are shown as required,
 * {@code help policy check} prints the check help, and every command reports a bad command line in one style,
 * {@code p9gate <command>: error: ...}. Walks the command tree as the launcher builds it, so a command added later
 * without an example fails here.
 */
class HelpAndErrorStyleTest {

    /** Every command a user can reach, by its full name ("p9gate policy check"). */
    static Stream<String> commands() {
        List<String> names = new ArrayList<>();
        collect(Main.newCommandLine(), names);
        return names.stream();
    }

    private static void collect(CommandLine command, List<String> into) {
        into.add(command.getCommandSpec().qualifiedName());
        command.getSubcommands().values().stream().distinct().forEach(sub -> collect(sub, into));
    }

    private static String[] words(String qualifiedName) {
        return qualifiedName.substring("p9gate".length()).strip().split(" +");
    }

    @ParameterizedTest
    @MethodSource("commands")
    void everyHelpEndsWithAnExampleOfThatCommand(String command) {
        List<String> args = new ArrayList<>(command.equals("p9gate") ? List.of() : List.of(words(command)));
        args.add("--help");
        if (command.equals("p9gate help")) {
            args = List.of("help", "help");
        }
        ToolRun r = ToolRun.of(args.toArray(String[]::new));
        assertEquals(0, r.exit(), command + ": " + r.err());
        int heading = r.out().indexOf("\nExamples:\n");
        assertTrue(heading >= 0, command + " --help has no Examples section:\n" + r.out());
        assertTrue(
                r.out().substring(heading).lines().anyMatch(l -> l.startsWith("  " + command)),
                command + " --help has no example of itself:\n" + r.out());
    }

    /** (picocli ends the parsing at a help command, so {@code p9gate help --bogus} shows the help: not an error.) */
    @ParameterizedTest
    @MethodSource("commands")
    void aBadCommandLineIsOneLineInTheCommonStyle(String command) {
        if (command.equals("p9gate help")) {
            return;
        }
        List<String> args = new ArrayList<>(command.equals("p9gate") ? List.of() : List.of(words(command)));
        args.add("--no-such-option");
        ToolRun r = ToolRun.of(args.toArray(String[]::new));
        assertEquals(Main.EXIT_USAGE, r.exit(), command + ": " + r.err());
        assertTrue(r.oneErrorLine(command), r.err());
        assertTrue(r.err().strip().endsWith("(see '" + command + " --help')"), r.err());
    }

    @Test
    void helpFollowsNestedCommandNames() {
        ToolRun viaHelp = ToolRun.of("help", "policy", "check");
        ToolRun direct = ToolRun.of("policy", "check", "--help");
        assertEquals(0, viaHelp.exit(), viaHelp.err());
        assertTrue(viaHelp.out().startsWith("Usage: p9gate policy check"), viaHelp.out());
        assertEquals(direct.out(), viaHelp.out());
        assertEquals(
                ToolRun.of("audit", "verify", "--help").out(),
                ToolRun.of("help", "audit", "verify").out());
        ToolRun unknown = ToolRun.of("help", "policy", "nope");
        assertEquals(Main.EXIT_USAGE, unknown.exit());
        assertTrue(unknown.oneErrorLine("p9gate help"), unknown.err());
    }

    @Test
    void requiredParametersAreShownAsRequired() {
        for (String[] command : new String[][] {{"policy", "check"}, {"policy", "test"}, {"policy", "explain"}}) {
            String synopsis = synopsis(command);
            assertTrue(synopsis.endsWith(" FILE"), synopsis);
            assertFalse(synopsis.contains("[FILE]"), synopsis);
        }
        String explain = synopsis("policy", "explain");
        for (String required : List.of("--vm=<vm>", "--op=OP", "--path=<path>")) {
            assertTrue(explain.contains(" " + required) && !explain.contains("[" + required + "]"), explain);
        }
    }

    /** The usage lines before the description, joined. */
    private static String synopsis(String... command) {
        List<String> args = new ArrayList<>(List.of(command));
        args.add("--help");
        String out = ToolRun.of(args.toArray(String[]::new)).out();
        List<String> lines = out.lines().toList();
        StringBuilder b = new StringBuilder(lines.getFirst());
        for (String l : lines.subList(1, lines.size())) {
            if (!l.startsWith(" ")) {
                break;
            }
            b.append(' ').append(l.strip());
        }
        return b.toString();
    }

    @Test
    void aMissingPolicyFileAndAFailureUseTheSameStyle() {
        ToolRun missing = ToolRun.of("policy", "check");
        assertEquals(Main.EXIT_USAGE, missing.exit());
        assertTrue(missing.oneErrorLine("p9gate policy check"), missing.err());
        ToolRun unreadable = ToolRun.of("policy", "check", "/nonexistent/policy.yaml");
        assertEquals(Main.EXIT_USAGE, unreadable.exit()); // bad input, as in every command
        assertEquals(
                "p9gate policy check: error: /nonexistent/policy.yaml: no such file or directory",
                unreadable.err().strip());
        ToolRun audit = ToolRun.of("audit", "show", "--log", "/nonexistent/audit");
        assertTrue(audit.oneErrorLine("p9gate audit show"), audit.err());
        ToolRun serve = ToolRun.of("serve", "--listen", "tcp:127.0.0.1:0");
        assertTrue(serve.oneErrorLine("p9gate serve"), serve.err());
    }
}
