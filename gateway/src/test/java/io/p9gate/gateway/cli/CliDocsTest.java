package io.p9gate.gateway.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Operators read README.md and docs/*.md, not the source: every option of every command (what {@code p9gate
 * COMMAND --help} lists; hidden options are not listed) must be named there, so an option added to the CLI
 * without documentation fails the build.
 * Only that the name occurs is checked (anywhere in the docs, as {@code --name} not followed by more of a name);
 * whether the meaning and default match stays a review.
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
