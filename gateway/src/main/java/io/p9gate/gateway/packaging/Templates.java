package io.p9gate.gateway.packaging;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/** The templates of src/bin and src/systemd, which the build copies beside these classes (gateway/pom.xml). */
final class Templates {
    private Templates() {}

    static String read(String name) throws PackagingException {
        try (InputStream in = Templates.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new PackagingException("template " + name + " is missing from the build (rebuild: mvn package)");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new PackagingException("cannot read template " + name + ": " + e.getMessage(), e);
        }
    }
}
