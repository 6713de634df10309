package io.p9gate.gateway.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The host's chmod of a test's file, whether or not the test run holds CAP_FSETID. Root outside the file's group keeps
 * a set-gid bit it asks only with that capability (chmod(2)), which a run under {@code setpriv
 * --bounding-set=-fsetid} (the packaged unit's situation) lacks: a host program meant 02755 was 0755 there, and the
 * set-id tests failed in their setup. A set-gid mode is therefore asked as a member of the file's group.
 */
public final class HostChmod {
    private HostChmod() {}

    public static void chmod(Path file, int mode) {
        try {
            if ((mode & 02000) == 0) {
                Files.setAttribute(file, "unix:mode", mode);
                return;
            }
            int gid = (int) Files.getAttribute(file, "unix:gid");
            Process chmod = new ProcessBuilder(
                            "setpriv",
                            "--regid=" + Integer.toUnsignedString(gid),
                            "--clear-groups",
                            "chmod",
                            Integer.toOctalString(mode),
                            file.toString())
                    .redirectErrorStream(true)
                    .start();
            String out = new String(chmod.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(0, chmod.waitFor(), "setpriv chmod: " + out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
