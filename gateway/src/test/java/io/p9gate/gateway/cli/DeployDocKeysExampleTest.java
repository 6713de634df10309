package io.p9gate.gateway.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * docs/deploy.md's key steps, run as written, with {@code ~} a fresh home: section 1's commands up to its
 * {@code keys generate} (before, there was no {@code mkdir}, and {@code keys generate} failed: {@code ~/keys} is on no
 * fresh build host), and section 6's {@code audit verify --key} names the {@code .pub} that section 2's {@code keys
 * generate --out} wrote (before, {@code infotainment-ecu123-audit.pub}, which no step writes).
 */
class DeployDocKeysExampleTest {

    private static final Pattern SH_BLOCK = Pattern.compile("(?ms)^```sh\\n(.*?)^```");

    @TempDir
    Path home;

    @Test
    void sectionOnesKeyCommandsRunAsWrittenOnAFreshHome() throws IOException {
        List<String> lines = firstShBlock(section("## 1. "));
        boolean generated = false;
        for (String line : lines) {
            String command =
                    line.replaceAll("\\s+#.*$", "").replace("~/", home + "/").strip();
            List<String> words = Arrays.asList(command.split("\\s+"));
            if (words.get(0).equals("mkdir")) {
                assertEquals(List.of("mkdir", "-p", "-m", "0700"), words.subList(0, 4), line);
                Files.createDirectories(Path.of(words.get(4)));
                Files.setPosixFilePermissions(Path.of(words.get(4)), PosixFilePermissions.fromString("rwx------"));
            } else if (words.size() > 2 && words.get(1).equals("keys")) {
                CliRun run = CliRun.of(words.subList(1, words.size()).toArray(String[]::new));
                assertEquals(0, run.code(), line + ": " + run.err());
                generated = true;
                break;
            } else {
                fail("a command before keys generate this test does not know: " + line);
            }
        }
        assertTrue(generated, "section 1 has no keys generate: " + lines);
    }

    @Test
    void sectionSixVerifiesWithThePublicKeySectionTwoWrote() throws IOException {
        Matcher out = Pattern.compile("keys generate --name \\S+ --out (\\S+)").matcher(section("## 2. "));
        assertTrue(out.find(), "section 2 has no keys generate");
        Matcher key = Pattern.compile("audit verify --log \\S+ --key (\\S+)").matcher(section("## 6. "));
        assertTrue(key.find(), "section 6 has no audit verify");
        assertEquals(out.group(1) + ".pub", key.group(1));
    }

    private static String section(String heading) throws IOException {
        String doc = Files.readString(Path.of("..", "docs", "deploy.md"));
        int start = doc.indexOf("\n" + heading);
        assertTrue(start >= 0, "docs/deploy.md has no section " + heading);
        int end = doc.indexOf("\n## ", start + 1);
        return doc.substring(start, end < 0 ? doc.length() : end);
    }

    private static List<String> firstShBlock(String section) {
        Matcher m = SH_BLOCK.matcher(section);
        assertTrue(m.find(), "no sh block");
        List<String> lines = new ArrayList<>();
        for (String line : m.group(1).split("\n")) {
            if (!line.isBlank()) {
                lines.add(line);
            }
        }
        return lines;
    }
}
