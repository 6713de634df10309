package io.p9gate.gateway.cli;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/**
 * A file or directory named on the command line that is not there or not of the kind asked (a directory for a file,
 * a FIFO, a file for a log directory, a directory holding no log) is bad input: exit 2 in every command, as
 * docs/cli.md promises. Before, a missing log or a FIFO policy gave 2 in {@code policy replay} (whose 1 means "some
 * decision changed") and {@code audit verify --key}, but 1 in {@code audit show}, {@code verify --log} and {@code
 * policy check}, whose 1 is a failure while running or an invalid policy.
 */
class BadInputExitCodeTest {
    @TempDir
    Path tmp;

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void everyCommandExitsTwoForAFileThatIsNotThereOrNotTheKindAsked() throws Exception {
        ReviewScratch scratch = ReviewScratch.in(tmp);
        String fifo = scratch.fifo().toString();
        Path directory = Files.createDirectory(tmp.resolve("empty"));
        String missing = tmp.resolve("missing").toString();
        String p = scratch.pub().toString();
        // Where a file is read.
        List<Function<String, List<String>>> files = scratch.readingAFile();
        // Where a file is written: its name is a directory or a FIFO.
        List<Function<String, List<String>>> outputs = scratch.writingAFile();
        // Where a log directory is read: missing, a FIFO, a directory holding no log.
        List<Function<String, List<String>>> logs = List.of(
                d -> List.of(
                        "policy", "replay", "--no-verify", "--log", d, "--policy", "../policies/infotainment.yaml"),
                d -> List.of("audit", "verify", "--log", d, "--key", p),
                d -> List.of("audit", "show", "--log", d),
                d -> List.of("audit", "stats", "--log", d),
                d -> List.of("audit", "export", "--log", d, "--format", "jsonl"),
                d -> List.of(
                        "audit",
                        "report",
                        "--log",
                        d,
                        "--key",
                        p,
                        "--html",
                        tmp.resolve("r.html").toString()),
                d -> List.of("audit", "prove", "--log", d, "1"),
                d -> List.of("package", "verify", d));
        List<Executable> checks = new ArrayList<>();
        checks.addAll(usageChecks(files, missing, directory.toString(), fifo));
        checks.addAll(usageChecks(outputs, directory.toString(), fifo));
        checks.addAll(usageChecks(logs, missing, fifo, directory.toString()));
        assertAll(checks);
    }

    /**
     * The commands that read a policy or a key to serve, probe or package with, checked by none of the lines above:
     * they exited 1, which {@code package} and {@code compliance run} say for a failed build or check.
     */
    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void servingProbingAndPackagingExitTwoForAPolicyOrKeyThatIsNotThereOrNotAFile() throws Exception {
        ReviewScratch scratch = ReviewScratch.in(tmp);
        Path directory = Files.createDirectory(tmp.resolve("empty"));
        Path app = Files.createDirectory(tmp.resolve("app"));
        String policy = Path.of("../policies/infotainment.yaml").toString();
        List<Function<String, List<String>>> files = List.of(
                f -> List.of("serve", "--policy", f),
                f -> List.of("compliance", "run", "--policy", f),
                f -> List.of(
                        "package",
                        "--app",
                        app.toString(),
                        "--out",
                        tmp.resolve("o1").toString(),
                        "--policy",
                        f),
                f -> List.of(
                        "package",
                        "--app",
                        app.toString(),
                        "--out",
                        tmp.resolve("o2").toString(),
                        "--policy",
                        policy,
                        "--sign",
                        f));
        assertAll(usageChecks(
                files,
                tmp.resolve("missing").toString(),
                directory.toString(),
                scratch.fifo().toString()));
    }

    /** A FIFO as the TLS certificate held serve in open(2) for ever; a directory there was refused, exit 2. */
    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void serveRefusesAFifoAsItsTlsCertificate() throws Exception {
        ReviewScratch scratch = ReviewScratch.in(tmp);
        Path share = Files.createDirectory(tmp.resolve("share"));
        assertUsage(List.of(
                "serve",
                "--share",
                "a=" + share,
                "--tls-cert",
                scratch.fifo().toString(),
                "--tls-key",
                scratch.pub().toString(),
                "--listen",
                "tcp:127.0.0.1:0"));
    }

    /** Each command line with each name, to exit 2. */
    private static List<Executable> usageChecks(List<Function<String, List<String>>> commands, String... names) {
        List<Executable> checks = new ArrayList<>();
        for (var command : commands) {
            for (String name : names) {
                checks.add(() -> assertUsage(command.apply(name)));
            }
        }
        return checks;
    }

    private static void assertUsage(List<String> args) {
        CliRun run = CliRun.of(args.toArray(String[]::new));
        assertEquals(Main.EXIT_USAGE, run.code(), String.join(" ", args) + ": " + run.err());
    }
}
