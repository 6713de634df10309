package io.p9gate.gateway.packaging;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The Java runtime shipped in a package: {@code jlink} of the JDK running the packager, with only the modules the
 * gateway needs. jlink is not byte-stable by itself: the order of resources in {@code lib/modules} follows
 * identity hash codes, so a jlink run inside a JVM that has done other work (the packager's, a test's) lays the
 * same resources out differently. It therefore runs as its own process with {@code -XX:hashCode=2} (every
 * identity hash is 1), which makes the image the same bytes on every run (checked by the packaging acceptance
 * test, which packages twice). No CDS archive is generated: dumping one is not reproducible either.
 */
final class RuntimeImage {
    /**
     * The modules linked in. {@code RuntimeModulesIT} runs jdeps over the application jars and fails when a jar
     * needs a module that is neither here nor in {@link #NOT_NEEDED}.
     */
    static final List<String> MODULES = List.of(
            "java.base",
            "java.logging", // java.util.logging: the gateway's and Netty's log, the policy holder's
            "java.naming", // Netty's TLS host name handling and Bouncy Castle (tls: listeners, p9gate certs)
            "java.xml", // javax.xml.stream: compliance run's report.xml, policy test --format junit
            "jdk.unsupported"); // sun.misc.Signal (SIGHUP reload) and Unsafe (Netty's buffers)

    /** Modules jdeps finds in the jars that the gateway never reaches, and why. */
    static final Map<String, String> NOT_NEEDED = Map.of(
            "java.compiler", "Error Prone's annotations (Guava): compile-time only, never loaded",
            "java.desktop",
                    "java.beans: Jackson's optional @ConstructorProperties support (probed, absent is fine) "
                            + "and SnakeYAML's JavaBean mapping (policies are read as YAML trees, never as beans)",
            "java.sql", "Jackson's optional java.sql type handlers and Bouncy Castle's LDAP/SQL certificate stores",
            "jdk.jfr", "Netty's allocation events, enabled only if jdk.jfr.FlightRecorder loads");

    private static final long JLINK_TIMEOUT_MINUTES = 10;

    private RuntimeImage() {}

    /** Links the runtime into {@code output} (which must not exist), in {@code staging}, which a stop ends. */
    static void link(Path output, StagingDirectory staging) throws PackagingException, IOException {
        Path jlink = Path.of(System.getProperty("java.home"), "bin", "jlink");
        if (!Files.isExecutable(jlink)) {
            throw new PackagingException("this Java runtime has no jlink (" + jlink + "): run p9gate package on the "
                    + "build host with a JDK >= 25 (./p9gate from a source checkout finds one)");
        }
        Process process = staging.start(new ProcessBuilder(
                        jlink.toString(),
                        "-J-XX:+UnlockExperimentalVMOptions",
                        "-J-XX:hashCode=2",
                        "--add-modules",
                        String.join(",", MODULES),
                        "--output",
                        output.toString(),
                        "--strip-debug",
                        "--no-header-files",
                        "--no-man-pages")
                .redirectErrorStream(true));
        String log = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (!process.waitFor(JLINK_TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
                process.destroyForcibly();
                throw new PackagingException("jlink did not finish within " + JLINK_TIMEOUT_MINUTES + " minutes");
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new PackagingException("interrupted while jlink ran", e);
        }
        if (process.exitValue() != 0) {
            throw new PackagingException("jlink failed (exit " + process.exitValue() + "): "
                    + log.strip().replace('\n', ' '));
        }
    }

    /** The full version of the runtime that is linked (the packager's own). */
    static String javaVersion() {
        return Runtime.version().toString();
    }
}
