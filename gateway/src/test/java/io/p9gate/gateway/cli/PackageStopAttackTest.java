package io.p9gate.gateway.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A SIGTERM (a CI job cancelled, systemd-run stopped) during {@code p9gate package}, a real run in a JVM of its own:
 * the jlink staging tree (~130 MB) stayed in the temporary directory after every stop, as the run's {@code finally}
 * never ran. Now it goes, with the jlink that writes into it, and {@code --out} holds the earlier package's three
 * files or none of the run's.
 */
class PackageStopAttackTest {
    private static final String NAME = "p9gate-infotainment-9.9-linux-x86_64";

    @TempDir
    Path dir;

    @ParameterizedTest(name = "SIGTERM {1} ms after ''{0}''")
    @CsvSource({"linking the Java runtime, 1500", "writing " + "/, 0", "of the files compressed, 0"})
    void aSigtermLeavesNoStagingTreeAndTheEarlierPackage(String step, long delayMillis) throws Exception {
        Path tmp = Files.createDirectories(dir.resolve("tmp"));
        Path out = Files.createDirectories(dir.resolve("out"));
        Files.writeString(out.resolve(NAME + ".tar.gz"), "old tarball");
        Files.writeString(out.resolve(NAME + ".manifest"), "old manifest\n");
        Files.writeString(out.resolve(NAME + ".manifest.sig"), "old signature\n");
        Path err = dir.resolve("package.err");
        Process run = new ProcessBuilder(List.of(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-Djava.io.tmpdir=" + tmp,
                        "-cp",
                        System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")),
                        Main.class.getName(),
                        "package",
                        "--policy",
                        PackageCommandTest.policy(dir, "maps: {path: /srv/p9gate/nowhere/maps, access: read-write}\n")
                                .toString(),
                        "--out",
                        out.toString(),
                        "--app",
                        standInApplication().toString(),
                        "--progress"))
                .redirectErrorStream(true)
                .redirectOutput(err.toFile())
                .start();
        try {
            for (int i = 0; i < 12_000 && !Files.readString(err).contains(step) && run.isAlive(); i++) {
                Thread.sleep(10);
            }
            assertTrue(Files.readString(err).contains(step), "never got to '" + step + "': " + Files.readString(err));
            Thread.sleep(delayMillis);
            List<ProcessHandle> children = run.children().toList();
            run.destroy(); // SIGTERM
            assertTrue(run.waitFor(60, TimeUnit.SECONDS), "still running after SIGTERM");
            for (ProcessHandle child : children) {
                assertTrue(child.onExit().get(10, TimeUnit.SECONDS) != null, "jlink ended");
            }
        } finally {
            run.destroyForcibly();
        }
        try (Stream<Path> left = Files.list(tmp)) {
            assertEquals(List.of(), left.toList(), "no staging tree left: " + Files.readString(err));
        }
        Set<String> names;
        try (Stream<Path> files = Files.list(out)) {
            names = files.map(p -> p.getFileName().toString()).collect(Collectors.toSet());
        }
        if (Files.readString(err).contains("wrote ")) {
            assertEquals(Set.of(NAME + ".tar.gz", NAME + ".manifest"), names, "the new package, whole");
        } else {
            assertEquals(Set.of(NAME + ".tar.gz", NAME + ".manifest", NAME + ".manifest.sig"), names);
            assertEquals("old tarball", Files.readString(out.resolve(NAME + ".tar.gz")));
            assertEquals("old manifest\n", Files.readString(out.resolve(NAME + ".manifest")));
        }
        assertFalse(Files.readString(err).contains("\tat "), "no stack trace: " + Files.readString(err));
    }

    /** A gateway jar of version 9.9, the two jars of native libraries it ships, and a guest helper. */
    private Path standInApplication() throws Exception {
        Path app = Files.createDirectories(dir.resolve("app"));
        Path lib = Files.createDirectories(app.resolve("lib"));
        for (String jar : System.getProperty("java.class.path").split(":")) {
            String name = Path.of(jar).getFileName().toString();
            if (name.startsWith("cedar-java-") || name.matches("netty-transport-native-epoll-.*-linux-.*\\.jar")) {
                Files.copy(Path.of(jar), lib.resolve(name));
            }
        }
        Files.createDirectories(app.resolve("guest"));
        Files.writeString(app.resolve("guest/p9gate-mount"), "#!/bin/sh\n");
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        manifest.getMainAttributes().put(Attributes.Name.IMPLEMENTATION_VERSION, "9.9");
        try (var jar = new JarOutputStream(Files.newOutputStream(app.resolve("p9gate-gateway-9.9.jar")), manifest)) {
            jar.flush();
        }
        return app;
    }
}
