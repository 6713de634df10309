package io.p9gate.gateway.packaging;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Properties;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;

/**
 * The manifest's {@code component} lines: which library and version each jar is ({@code groupId:artifactId
 * version lib/NAME}), from the Maven metadata inside the jar that matches its file name.
 */
final class Components {
    private Components() {}

    static String of(Path jar, String archivedAs) throws IOException {
        String name = jar.getFileName().toString();
        try (JarFile file = new JarFile(jar.toFile())) {
            for (JarEntry entry : Collections.list(file.entries())) {
                if (!entry.getName().startsWith("META-INF/maven/")
                        || !entry.getName().endsWith("/pom.properties")) {
                    continue;
                }
                Properties pom = new Properties();
                try (InputStream in = file.getInputStream(entry)) {
                    pom.load(in);
                }
                String artifact = pom.getProperty("artifactId");
                String version = pom.getProperty("version");
                if (artifact != null && version != null && name.startsWith(artifact + "-" + version)) {
                    return pom.getProperty("groupId") + ":" + artifact + " " + version + " " + archivedAs;
                }
            }
        }
        return "unknown " + name.replaceFirst("\\.jar$", "") + " " + archivedAs;
    }
}
