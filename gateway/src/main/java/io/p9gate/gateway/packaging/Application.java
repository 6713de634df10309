package io.p9gate.gateway.packaging;

import io.p9gate.audit.note.FileReason;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.JarFile;
import java.util.stream.Stream;

/**
 * The application to package, as Maven leaves it in the gateway module: {@code p9gate-gateway-V.jar} in
 * DIR, its runtime dependencies in {@code DIR/lib} and the static guest helper in {@code DIR/guest/p9gate-mount}
 * ({@code mvn package}, which {@code ./p9gate} runs).
 *
 * @param version     the gateway jar's {@code Implementation-Version}
 * @param guestHelper p9gate-mount, built by src/guest/build-p9gate-mount.sh (gcc -static)
 */
record Application(Path gatewayJar, List<Path> libraries, String version, Path guestHelper) {
    static final String GUEST_HELPER = "guest/p9gate-mount";

    /** The jars as archived, gateway first then the rest by name: {@code lib/NAME}. */
    List<Path> jars() {
        return Stream.concat(Stream.of(gatewayJar), libraries.stream()).toList();
    }

    static Application find(Path dir) throws PackagingException {
        Path gateway;
        List<Path> libraries;
        try (Stream<Path> top = Files.list(dir)) {
            List<Path> candidates = top.filter(p -> p.getFileName().toString().matches("p9gate-gateway-.*\\.jar"))
                    .filter(p -> !p.getFileName().toString().matches(".*-(tests|sources|javadoc)\\.jar"))
                    .sorted()
                    .toList();
            if (candidates.size() != 1) {
                throw new PackagingException("expected one p9gate-gateway-*.jar in " + dir + ", found "
                        + candidates.size() + " (build it: mvn -DskipTests package, or run ./p9gate once)");
            }
            gateway = candidates.getFirst();
        } catch (IOException e) {
            // FILE: REASON, as every command says a file (docs/cli.md), not the JDK's message (the path alone).
            throw new PackagingException(
                    FileReason.said(dir, FileReason.of(e)) + " (--app: the gateway's build output)", e);
        }
        try (Stream<Path> lib = Files.list(dir.resolve("lib"))) {
            libraries = lib.filter(p -> p.getFileName().toString().endsWith(".jar"))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new PackagingException(
                    FileReason.said(dir.resolve("lib"), FileReason.of(e))
                            + " (the gateway's runtime dependencies, from mvn package)",
                    e);
        }
        for (Path jar : Stream.concat(Stream.of(gateway), libraries.stream()).toList()) {
            SafeNames.requireSafe("jar name", jar.getFileName().toString());
        }
        String version = implementationVersion(gateway);
        Path helper = dir.resolve(GUEST_HELPER);
        if (!Files.isRegularFile(helper)) {
            throw new PackagingException("no " + GUEST_HELPER + " in " + dir + " (the static guest helper: mvn package "
                    + "builds it with src/guest/build-p9gate-mount.sh, which needs gcc and libc6-dev)");
        }
        return new Application(gateway, libraries, version, helper);
    }

    private static String implementationVersion(Path jar) throws PackagingException {
        try (JarFile file = new JarFile(jar.toFile())) {
            String version = file.getManifest() == null
                    ? null
                    : file.getManifest().getMainAttributes().getValue("Implementation-Version");
            if (version == null || version.isBlank()) {
                throw new PackagingException(jar + " has no Implementation-Version in its manifest");
            }
            return SafeNames.requireSafe("version", version);
        } catch (IOException e) {
            throw new PackagingException(FileReason.said(jar, FileReason.of(e)) + " (the gateway's jar)", e);
        }
    }
}
