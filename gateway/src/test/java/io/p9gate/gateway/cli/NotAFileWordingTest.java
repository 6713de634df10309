package io.p9gate.gateway.cli;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/**
 * A directory, or a FIFO, where a command wants a file is said in one wording by every command, {@code FILE: is a
 * directory} or {@code FILE: is a FIFO, socket or device} (then, maybe, what was expected in parentheses), as a
 * missing file is ({@link MissingFileWordingTest}). Before, four ways: {@code FILE: it is a directory} (policy), {@code
 * FILE is a directory, not a key file}, {@code FILE is not a pin file: it is a directory} and {@code FILE: is a
 * directory (--save-pin ...)}; and {@code package verify FIFO} said the JDK's {@code FIFO/MANIFEST: Not a directory}.
 */
class NotAFileWordingTest {
    @TempDir
    Path tmp;

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void everyCommandSaysADirectoryOrAFifoInOneWording() throws Exception {
        ReviewScratch scratch = ReviewScratch.in(tmp);
        Path pub = scratch.pub();
        Path fifo = scratch.fifo();
        Path directory = Files.createDirectory(tmp.resolve("adir"));
        Path pidDirectory = Files.createDirectory(tmp.resolve("p9gate.pid"));
        List<Function<String, List<String>>> commands = new ArrayList<>(scratch.readingAFile());
        commands.addAll(scratch.writingAFile());
        List<Executable> checks = new ArrayList<>();
        for (Function<String, List<String>> command : commands) {
            checks.add(() -> assertSaid(command.apply(directory.toString()), directory, "is a directory"));
            checks.add(() -> assertSaid(command.apply(fifo.toString()), fifo, "is a FIFO, socket or device"));
        }
        checks.add(() -> assertSaid(
                List.of("policy", "reload", "--pid-file", pidDirectory.toString()), pidDirectory, "is a directory"));
        checks.add(
                () -> assertSaid(List.of("package", "verify", fifo.toString()), fifo, "is a FIFO, socket or device"));
        checks.add(() -> assertSaid(List.of("package", "verify", pub.toString()), pub, "not a directory"));
        assertAll(checks);
    }

    private static void assertSaid(List<String> args, Path file, String reason) {
        CliRun run = CliRun.of(args.toArray(String[]::new));
        String said = String.join(" ", args) + ": " + run.code() + " " + run.err();
        assertNotEquals(0, run.code(), said);
        assertEquals(1, run.err().lines().count(), said);
        assertTrue(
                run.err()
                        .matches("(?s)p9gate [a-z -]+: error: " + Pattern.quote(file + ": " + reason)
                                + "( \\([^()]*\\))?\n"),
                said);
    }
}
