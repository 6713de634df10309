package io.p9gate.gateway.cli;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

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
                d -> report(d, p),
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

    /**
     * Every other option that names a file or directory to read, each given a name that is not there, a directory
     * where a file is read (a file where a directory is), a FIFO, a loop of links, and for a file whose content is
     * parsed by the command itself, an empty file: exit 2 and one line, no stack trace. Before, {@code policy reload
     * --pid-file} said 1 for all of them, {@code compliance run --tests}, {@code --audit-pub} and {@code --audit-log}
     * 1 (found only after every probe ran; a FIFO as {@code --audit-log} hung), {@code package --app} 1 (a FIFO hung
     * it in open(2)), {@code package --out} and {@code certs --dir} 1 for a loop of links, {@code package verify --key}
     * 1 (read only where the package has a signature).
     */
    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void everyOtherFileOptionExitsTwoForANameThatIsNotThereOrNotTheKindAsked() throws Exception {
        ReviewScratch scratch = ReviewScratch.in(tmp);
        String fifo = scratch.fifo().toString();
        String directory = Files.createDirectory(tmp.resolve("empty")).toString();
        String file = Files.createFile(tmp.resolve("empty-file")).toString();
        String missing = tmp.resolve("missing").toString();
        Path loop = tmp.resolve("loop");
        Files.createSymbolicLink(loop, tmp.resolve("loop2"));
        Files.createSymbolicLink(tmp.resolve("loop2"), loop);
        String l = scratch.log().toString();
        String p = scratch.pub().toString();
        String policy = Path.of("../policies/infotainment.yaml").toString();
        String served = Path.of("../policies/demo.yaml").toString();
        Path app = Files.createDirectory(tmp.resolve("app"));
        // A package whose manifest lists nothing, signed: its --key was read only where a signature is.
        Path pkg = Files.createDirectory(tmp.resolve("pkg"));
        Files.writeString(
                pkg.resolve("MANIFEST"),
                "p9gate-package 1\nimage i\nversion 1\np9gate 1\njava 25\nmodules java.base\nprefix /opt/p9gate\n");
        Files.writeString(pkg.resolve("MANIFEST.sig"), "");
        // Where a file is read, and the command parses it itself: an empty one is no file of that kind either.
        List<Function<String, List<String>>> parsedFiles = List.of(
                f -> List.of("policy", "reload", "--pid-file", f, "--timeout", "1"),
                f -> List.of("policy", "replay", "--log", l, "--key", f, "--policy", policy),
                f -> report(l, f),
                f -> List.of("audit", "prove", "--log", l, "--key", f, "1"),
                f -> List.of("audit", "check-proof", "--key", f, p),
                f -> List.of("audit", "verify", "--log", l, "--key", p, "--pin", f),
                f -> List.of("compliance", "run", "--policy", served, "--audit-log", l, "--audit-pub", f),
                f -> List.of("package", "verify", pkg.toString(), "--key", f));
        // Where a file is read as a policy or policy tests (an empty one is an invalid policy: 1, as policy check).
        List<Function<String, List<String>>> files = new ArrayList<>(scratch.readingAFile());
        files.add(f -> List.of("policy", "explain", f, "--vm", "infotainment", "--op", "WALK", "--path", "/"));
        files.add(f -> List.of("compliance", "run", "--policy", served, "--tests", f));
        // Where a directory is read or written.
        List<Function<String, List<String>>> directories = List.of(
                d -> List.of("compliance", "run", "--policy", served, "--audit-log", d, "--audit-pub", p),
                d -> List.of("package", "--app", d, "--out", tmp.resolve("o3").toString(), "--policy", policy));
        // Where a directory is made if missing: only what cannot be one.
        List<Function<String, List<String>>> made = List.of(
                d -> List.of("package", "--app", app.toString(), "--out", d, "--policy", policy),
                d -> List.of("certs", "--dir", d, "--vm", "a"),
                d -> List.of("compliance", "run", "--policy", served, "--report", d));
        List<Executable> checks = new ArrayList<>();
        checks.addAll(usageChecks(parsedFiles, missing, directory, fifo, loop.toString(), file));
        checks.addAll(usageChecks(files, loop.toString()));
        checks.addAll(usageChecks(
                List.of(files.get(files.size() - 2), files.getLast()), missing, directory, fifo, loop.toString()));
        checks.addAll(usageChecks(directories, missing, file, fifo, loop.toString()));
        checks.addAll(usageChecks(made, file, fifo, loop.toString()));
        assertAll(checks);
    }

    private List<String> report(String log, String key) {
        return List.of(
                "audit",
                "report",
                "--log",
                log,
                "--key",
                key,
                "--html",
                tmp.resolve("r.html").toString());
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

    /** Exit 2 with one line on stderr, no stack trace. */
    private static void assertUsage(List<String> args) {
        CliRun run = CliRun.of(args.toArray(String[]::new));
        String said = String.join(" ", args) + ": " + run.err();
        assertEquals(Main.EXIT_USAGE, run.code(), said);
        assertEquals(1, run.err().lines().count(), said);
        assertFalse(run.err().contains("\tat "), said);
    }
}
