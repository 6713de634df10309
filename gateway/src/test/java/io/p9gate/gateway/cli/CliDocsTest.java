package io.p9gate.gateway.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Operators read README.md and docs/*.md, not the source: every option of every command (what {@code p9gate
 * COMMAND --help} lists; hidden options are not listed) must be named there, so an option added to the CLI
 * without documentation fails the build.
 * Only that the name occurs is checked (anywhere in the docs, as {@code --name} not followed by more of a name),
 * and that a default the help states is in the docs; whether the meaning matches stays a review.
 */
class CliDocsTest {

    @Test
    void everyOptionOfEveryCommandIsInTheDocs() throws IOException {
        String docs = docs();
        List<String> missing = new ArrayList<>();
        int[] options = {0};
        walk(Main.newCommandLine(), docs, missing, options);
        assertTrue(options[0] > 50, "the walk found only " + options[0] + " options: is the command tree built?");
        assertEquals(List.of(), missing, "options that README.md and docs/*.md never mention");
    }

    /**
     * A default the help states ({@code default: X}) is stated in the docs too: some table row or paragraph that
     * names the option says X (backticks and line breaks aside), so a changed default, or a doc that says another,
     * fails the build. Which command the row is of is not checked: {@code --format} is documented per command.
     */
    @Test
    void everyDefaultTheHelpStatesIsTheDocs() throws IOException {
        List<String> units = units(docs());
        List<String> differing = new ArrayList<>();
        int[] defaults = {0};
        walkDefaults(Main.newCommandLine(), units, differing, defaults);
        assertTrue(
                defaults[0] > 20, "the walk found only " + defaults[0] + " defaults: did the help's wording change?");
        assertEquals(List.of(), differing, "defaults --help states that no row or paragraph naming the option says");
    }

    private static final Pattern HELP_DEFAULT = Pattern.compile("(?i)\\bdefault: (.+?)(?:\\)|\\.(?:\\s|$)|$)");

    private static void walkDefaults(CommandLine command, List<String> units, List<String> differing, int[] defaults) {
        for (OptionSpec option : command.getCommandSpec().options()) {
            if (option.hidden()) {
                continue;
            }
            Matcher said = HELP_DEFAULT.matcher(
                    String.join(" ", option.description()).replace("${DEFAULT-VALUE}", option.defaultValueString()));
            if (!said.find()) {
                continue;
            }
            defaults[0]++;
            String value = normalized(said.group(1));
            Pattern name = Pattern.compile(Pattern.quote(option.longestName()) + "(?![A-Za-z0-9-])");
            if (units.stream().noneMatch(u -> name.matcher(u).find() && u.contains(value))) {
                differing.add(command.getCommandSpec().qualifiedName() + " " + option.longestName() + ": " + value);
            }
        }
        command.getSubcommands().values().forEach(sub -> walkDefaults(sub, units, differing, defaults));
    }

    /** Each table row, and each other paragraph joined into one line, without backticks. */
    private static List<String> units(String docs) {
        List<String> units = new ArrayList<>();
        StringBuilder paragraph = new StringBuilder();
        for (String line : docs.lines().toList()) {
            if (line.strip().startsWith("|")) {
                units.add(normalized(line));
            } else if (line.isBlank()) {
                units.add(normalized(paragraph.toString()));
                paragraph.setLength(0);
            } else {
                paragraph.append(' ').append(line);
            }
        }
        units.add(normalized(paragraph.toString()));
        return units;
    }

    private static String normalized(String text) {
        return text.replace("`", "").replaceAll("\\s+", " ").strip();
    }

    private static void walk(CommandLine command, String docs, List<String> missing, int[] options) {
        for (OptionSpec option : command.getCommandSpec().options()) {
            if (option.usageHelp() || option.versionHelp() || option.hidden()) {
                continue;
            }
            options[0]++;
            String name = option.longestName();
            if (!Pattern.compile(Pattern.quote(name) + "(?![A-Za-z0-9-])")
                    .matcher(docs)
                    .find()) {
                missing.add(command.getCommandSpec().qualifiedName() + " " + name);
            }
        }
        command.getSubcommands().values().forEach(sub -> walk(sub, docs, missing, options));
    }

    private static String docs() throws IOException {
        Path root = Path.of("..");
        StringBuilder all = new StringBuilder(Files.readString(root.resolve("README.md")));
        try (Stream<Path> pages = Files.list(root.resolve("docs"))) {
            for (Path page :
                    pages.filter(p -> p.toString().endsWith(".md")).sorted().toList()) {
                all.append('\n').append(Files.readString(page));
            }
        }
        return all.toString();
    }
}
