package io.p9gate.gateway.guest;

import java.nio.file.Files;
import java.nio.file.Path;

/** Where the repository's files are, seen from a test (Maven runs tests in the module directory). */
public final class RepoPaths {
    private RepoPaths() {}

    /** The repository root: the nearest directory upwards holding {@code src/bin/find-jdk.sh}. */
    public static Path root() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("src/bin/find-jdk.sh"))) {
                return dir;
            }
        }
        throw new IllegalStateException(
                "repository root not found above " + Path.of("").toAbsolutePath());
    }

    /** The guest scripts directory, {@code gateway/src/test/guest}. */
    public static Path guestScripts() {
        return root().resolve("gateway/src/test/guest");
    }
}
