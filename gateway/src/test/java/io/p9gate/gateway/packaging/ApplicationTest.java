package io.p9gate.gateway.packaging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What {@code p9gate package} takes from the build output: the jars and the static guest helper. */
class ApplicationTest {
    @TempDir
    Path app;

    @BeforeEach
    void jars() throws Exception {
        Files.createDirectories(app.resolve("lib"));
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        manifest.getMainAttributes().put(Attributes.Name.IMPLEMENTATION_VERSION, "9.9");
        try (var jar = new JarOutputStream(Files.newOutputStream(app.resolve("p9gate-gateway-9.9.jar")), manifest)) {
            jar.flush();
        }
    }

    @Test
    void theGuestHelperIsPartOfTheApplication() throws Exception {
        Path helper = Files.createDirectories(app.resolve("guest")).resolve("p9gate-mount");
        Files.writeString(helper, "stand-in");
        Application found = Application.find(app);
        assertEquals(helper, found.guestHelper());
        assertEquals("9.9", found.version());
    }

    @Test
    void aBuildWithoutTheGuestHelperIsNotPackaged() {
        PackagingException e = assertThrows(PackagingException.class, () -> Application.find(app));
        assertTrue(e.getMessage().contains("no guest/p9gate-mount in " + app), e.getMessage());
        assertTrue(e.getMessage().contains("gcc and libc6-dev"), e.getMessage());
    }
}
