package io.p9gate.gateway.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.p9gate.audit.note.KeyFiles;
import io.p9gate.audit.note.SigningKey;
import io.p9gate.gateway.cli.Main;
import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.guest.RepoPaths;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.UnixDomainSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Issue 9 acceptance: {@code policies/infotainment.yaml} (its paths moved into a temporary directory: the test
 * cannot use /srv and /run) is packaged, twice, to the same bytes; the tarball is extracted into an empty
 * directory; with nothing but {@code PATH=/usr/bin:/bin} (no JAVA_HOME, no Maven) the package's own
 * {@code bin/p9gate} starts every CLI verb, verifies its signed manifest, and runs the unit's ExecStart
 * ({@code serve --profile production}), which serves the project's 9P client over the VM's socket under the
 * policy; ExecReload reports the reload; the audit log verifies; {@code systemd-analyze verify} accepts the unit.
 * Needs the application jars of {@code mvn package}, hence an IT (run by {@code mvn verify}, i.e. ./run-tests).
 */
class PackageAcceptanceIT {
    private static final long WAIT_SECONDS = 120;
    private static final Path APP = Path.of("target").toAbsolutePath();

    @TempDir
    static Path tmp;

    static Path root;
    static Path firstTarball;
    static Path releasePub;
    static Path shares;
    static Path socket;
    static Path audit;
    static Path keys;

    @BeforeAll
    static void packageTwiceAndExtract() throws Exception {
        assumeTrue(
                System.getProperty("test") == null || System.getProperty("it.test") != null,
                "-Dtest selects unit tests: this acceptance test runs with the whole suite or -Dit.test=PackageAcceptanceIT");
        shares = tmp.resolve("srv");
        socket = tmp.resolve("run/infotainment.sock");
        audit = tmp.resolve("audit");
        keys = tmp.resolve("keys");
        Path policy = relocatedInfotainmentPolicy();
        SigningKey release = SigningKey.generate("infotainment-release", new SecureRandom());
        KeyFiles.writeKeyPair(release, tmp.resolve("release.key"), tmp.resolve("release.pub"));
        releasePub = tmp.resolve("release.pub");
        root = tmp.resolve("root");

        firstTarball = packageInto(policy, tmp.resolve("out1"));
        Path second = packageInto(policy, tmp.resolve("out2"));
        assertEquals(sha256(firstTarball), sha256(second), "packaging twice gives the same bytes");
        System.out.printf(
                Locale.ROOT,
                "PackageAcceptanceIT: %s is %.1f MiB (%d bytes)%n",
                firstTarball.getFileName(),
                Files.size(firstTarball) / (1024.0 * 1024.0),
                Files.size(firstTarball));

        Files.createDirectories(root);
        run(List.of("tar", "-xzf", firstTarball.toString(), "-C", root.toString()));
    }

    /** The sample policy with its host paths moved under the test's directory, which holds what it names. */
    private static Path relocatedInfotainmentPolicy() throws IOException {
        String text = Files.readString(RepoPaths.root().resolve("policies/infotainment.yaml"))
                .replace("/srv/p9gate/infotainment", shares.toString())
                .replace("/run/p9gate/infotainment.sock", socket.toString())
                .replace("/etc/p9gate/keys", keys.toString())
                .replace("/var/lib/p9gate/audit", audit.toString());
        for (String dir : List.of("media", "maps/base", "maps/calibration", "maps/cache", "logs/infotainment/crash")) {
            Files.createDirectories(shares.resolve(dir));
        }
        Files.writeString(shares.resolve("media/song.txt"), "la la la");
        Files.writeString(shares.resolve("maps/base/tiles.db"), "tiles");
        Files.createDirectories(socket.getParent());
        Files.createDirectories(
                keys, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Path policy = tmp.resolve("build/infotainment.yaml");
        Files.createDirectories(policy.getParent());
        return Files.writeString(policy, text);
    }

    private static Path packageInto(Path policy, Path out) throws Exception {
        StringWriter stdout = new StringWriter();
        StringWriter stderr = new StringWriter();
        long started = System.nanoTime();
        int exit = Main.newCommandLine()
                .setOut(new PrintWriter(stdout))
                .setErr(new PrintWriter(stderr))
                .execute(
                        "package",
                        "--policy",
                        policy.toString(),
                        "--out",
                        out.toString(),
                        "--app",
                        APP.toString(),
                        "--sign",
                        tmp.resolve("release.key").toString(),
                        "--prefix",
                        root.toString(),
                        "--version-suffix",
                        "+it");
        double seconds = (System.nanoTime() - started) / 1e9;
        assertEquals(0, exit, stdout + "\n" + stderr);
        assertTrue(stdout.toString().lines().noneMatch(l -> l.contains("note")), "no host notes: " + stdout);
        System.out.printf(Locale.ROOT, "PackageAcceptanceIT: packaging took %.1f s%n", seconds);
        try (var files = Files.list(out)) {
            return files.filter(p -> p.toString().endsWith(".tar.gz"))
                    .findFirst()
                    .orElseThrow();
        }
    }

    @Test
    void theTarballIsNamedAfterImageVersionAndPlatform() {
        assertTrue(
                firstTarball.getFileName().toString().matches("p9gate-infotainment-.*\\+it-linux-x86_64\\.tar\\.gz"),
                firstTarball.toString());
    }

    @Test
    void versionAndSignedManifestCheckUnderAnEmptyEnvironment() throws Exception {
        Result version = bin("--version");
        assertEquals(0, version.exit(), version.output());
        assertTrue(
                version.output().matches("(?s)p9gate \\S+ \\(package infotainment \\S+\\+it, Java 25.*\\)\\s*"),
                version.output());
        Result verified = bin("package", "verify", root.toString(), "--key", releasePub.toString());
        assertEquals(0, verified.exit(), verified.output());
        assertTrue(
                verified.output().contains(": ok: ") && verified.output().contains("signature verified"),
                verified.output());
    }

    @Test
    void theGuestHelperIsShippedStaticWithItsDigestInTheManifest() throws Exception {
        Path helper = root.resolve("share/p9gate/guest/p9gate-mount");
        String manifest = Files.readString(root.resolve("MANIFEST"));
        String entry = "file 0755 " + sha256(helper) + " " + Files.size(helper) + " share/p9gate/guest/p9gate-mount";
        assertTrue(manifest.lines().anyMatch(entry::equals), manifest);
        assertEquals(sha256(APP.resolve("guest/p9gate-mount")), sha256(helper), "the helper mvn package built");
        Result help = run(envI(List.of(helper.toString(), "--help")));
        assertEquals(0, help.exit(), help.output());
        assertTrue(help.output().startsWith("usage: p9gate-mount"), help.output());
    }

    @Test
    void theBundledRuntimeStartsEveryCliVerb() throws Exception {
        List<String> failed = new ArrayList<>();
        for (List<String> verb : verbs(Main.newCommandLine(), new ArrayList<>())) {
            List<String> args = new ArrayList<>(verb);
            args.add("--help");
            Result help = bin(args.toArray(String[]::new));
            if (help.exit() != 0 || !help.output().contains("Usage:")) {
                failed.add(String.join(" ", verb) + ": exit " + help.exit() + ": " + help.output());
            }
        }
        assertEquals(List.of(), failed);
    }

    private static List<List<String>> verbs(CommandLine command, List<String> path) {
        List<List<String>> out = new ArrayList<>();
        command.getSubcommands().forEach((name, sub) -> {
            if (name.equals("help")) {
                return;
            }
            List<String> here = new ArrayList<>(path);
            here.add(name);
            out.add(here);
            out.addAll(verbs(sub, here));
        });
        return out;
    }

    @Test
    void theUnitsExecStartServesTheVmUnderThePolicyAndTheAuditLogVerifies() throws Exception {
        Result generated = bin(
                "keys",
                "generate",
                "--name",
                "infotainment-audit",
                "--out",
                keys.resolve("audit").toString());
        assertEquals(0, generated.exit(), generated.output());
        String unit = Files.readString(root.resolve("systemd/p9gate.service"));
        Path runDir = tmp.resolve("run");
        List<String> execStart = unitCommand(unit, "ExecStart", runDir);
        assertTrue(execStart.containsAll(List.of("serve", "--profile", "production")), execStart.toString());

        Process serve =
                new ProcessBuilder(envI(execStart)).redirectErrorStream(true).start();
        StringBuilder log = new StringBuilder();
        Thread reader = Thread.ofPlatform().daemon().start(() -> drain(serve, log));
        try {
            awaitLine(log, "SIGHUP reloads it", serve);
            // The launcher exec'd the bundled JVM: the unit's main process is the gateway itself.
            List<String> jvm = List.of(Files.readString(Path.of("/proc/" + serve.pid() + "/cmdline"))
                    .split("\0"));
            assertTrue(jvm.getFirst().endsWith("runtime/bin/java"), jvm.toString());
            assertTrue(jvm.contains("-XX:+ExitOnOutOfMemoryError"), "a full heap ends the process: " + jvm);
            assertFalse(jvm.contains("-XX:TieredStopAtLevel=1"), "the server keeps C2: " + jvm);
            // Cedar's and Netty's libraries are the package's own, not copies made in /tmp at every start (Cedar's
            // 11 MB never removed; neither loads where /tmp is noexec).
            for (String library : List.of("libcedar_java_ffi.so", "libnetty_transport_native_epoll_x86_64.so")) {
                assertEquals(
                        List.of(root.resolve("lib/native/" + library)
                                .toRealPath()
                                .toString()),
                        mapped(serve.pid(), library));
            }
            try (P9Client vm = P9Client.open(UnixDomainSocketAddress.of(socket), 65536)) {
                vm.attach(1, "root", "maps", 0);
                vm.walk(1, 2, "cache");
                vm.lcreate(2, "tile.png", 1, 0644, 0); // O_WRONLY
                assertEquals(4, vm.write(2, 0, "png!".getBytes(StandardCharsets.UTF_8)));
                vm.clunk(2);
                P9Exception hidden = assertThrows(P9Exception.class, () -> vm.walk(1, 3, "calibration"));
                assertEquals(Errno.ENOENT, hidden.errno(), "hidden subtree");
                vm.walk(1, 4, "base", "tiles.db");
                P9Exception readOnly = assertThrows(P9Exception.class, () -> vm.lopen(4, 1));
                assertEquals(Errno.EROFS, readOnly.errno(), "read-only subtree");
            }
            assertEquals("png!", Files.readString(shares.resolve("maps/cache/tile.png")));
            // The unit's metrics socket, read by the packaged 'p9gate status': the VM's line shows the 4 bytes
            // written (READ shows 0 B; QUOTA and MEAN follow WRITTEN).
            Result status = bin("status", "--metrics", "unix:" + runDir.resolve("metrics.sock"));
            assertEquals(0, status.exit(), status.output());
            assertTrue(
                    status.output().lines().anyMatch(l -> l.matches("infotainment\\s.*\\s0 B\\s+4 B\\s.*")),
                    status.output());

            Result reload = run(envI(unitCommand(unit, "ExecReload", runDir)));
            assertEquals(0, reload.exit(), reload.output());
            assertTrue(reload.output().contains("policy reloaded"), reload.output());
        } finally {
            serve.destroy();
            assertTrue(serve.waitFor(WAIT_SECONDS, TimeUnit.SECONDS), "serve stops on SIGTERM");
            reader.join(TimeUnit.SECONDS.toMillis(WAIT_SECONDS));
        }
        assertEquals(143, serve.exitValue(), log.toString()); // SuccessExitStatus=143 in the unit
        Result verify = bin(
                "audit",
                "verify",
                "--log",
                audit.toString(),
                "--key",
                keys.resolve("audit.pub").toString());
        assertEquals(0, verify.exit(), verify.output());
    }

    @Test
    void systemdAnalyzeVerifyAcceptsTheShippedUnit() throws Exception {
        Path analyze = Path.of("/usr/bin/systemd-analyze");
        assumeTrue(
                Files.isExecutable(analyze),
                "systemd-analyze is not installed (Debian: apt-get install systemd; .ci/run installs it)");
        Result verify = run(List.of(
                analyze.toString(),
                "verify",
                root.resolve("systemd/p9gate.service").toString()));
        assertEquals(
                new Result(0, ""), new Result(verify.exit(), verify.output().strip()));
    }

    /** A command of the unit, split on spaces (the unit has no quoting), /run/p9gate moved to the test's run dir. */
    private static List<String> unitCommand(String unit, String key, Path runDir) {
        String line =
                unit.lines().filter(l -> l.startsWith(key + "=")).findFirst().orElseThrow();
        return List.of(line.substring(key.length() + 1)
                .replace("/run/p9gate/", runDir + "/")
                .split(" "));
    }

    private static List<String> envI(List<String> command) {
        List<String> out = new ArrayList<>(List.of("env", "-i", "PATH=/usr/bin:/bin"));
        out.addAll(command);
        return out;
    }

    private record Result(int exit, String output) {}

    /** {@code root/bin/p9gate ARGS} with an empty environment but PATH. */
    private static Result bin(String... args) throws Exception {
        List<String> command =
                new ArrayList<>(List.of(root.resolve("bin/p9gate").toString()));
        command.addAll(List.of(args));
        return run(envI(command));
    }

    private static Result run(List<String> command) throws Exception {
        Process p = new ProcessBuilder(command)
                .directory(tmp.toFile())
                .redirectErrorStream(true)
                .start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(WAIT_SECONDS, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(String.join(" ", command) + " did not finish:\n" + output);
        }
        return new Result(p.exitValue(), output);
    }

    /** The files mapped by process {@code pid} whose name is {@code library}. */
    private static List<String> mapped(long pid, String library) throws IOException {
        return Files.readAllLines(Path.of("/proc/" + pid + "/maps")).stream()
                .filter(line -> line.contains("/" + library))
                .map(line -> line.substring(line.indexOf('/')))
                .distinct()
                .toList();
    }

    private static void drain(Process process, StringBuilder log) {
        try (var reader = process.inputReader(StandardCharsets.UTF_8)) {
            for (String line; (line = reader.readLine()) != null; ) {
                synchronized (log) {
                    log.append(line).append('\n');
                    log.notifyAll();
                }
            }
        } catch (IOException e) {
            // the process is gone
        }
    }

    private static void awaitLine(StringBuilder log, String fragment, Process process) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
        synchronized (log) {
            while (!log.toString().contains(fragment)) {
                if (!process.isAlive() || System.nanoTime() > deadline) {
                    throw new AssertionError("serve did not start:\n" + log);
                }
                log.wait(100);
            }
        }
    }

    private static String sha256(Path file) throws Exception {
        var digest = java.security.MessageDigest.getInstance("SHA-256");
        try (var in = Files.newInputStream(file)) {
            byte[] buffer = new byte[1 << 16];
            for (int n; (n = in.read(buffer)) > 0; ) {
                digest.update(buffer, 0, n);
            }
        }
        return java.util.HexFormat.of().formatHex(digest.digest());
    }
}
