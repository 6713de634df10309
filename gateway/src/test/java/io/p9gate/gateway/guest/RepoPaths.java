package io.p9gate.gateway.guest;

import java.io.IOException;
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

    /**
     * The guest scripts {@code parts} of {@link #guestScripts()} (helpers such as {@code tap.sh} first, the script
     * last) as one file in {@code dir}, named as the last part: the harness sends the guest a single file.
     */
    public static Path composed(Path dir, String... parts) throws IOException {
        StringBuilder text = new StringBuilder();
        for (String part : parts) {
            text.append(Files.readString(guestScripts().resolve(part)));
        }
        Path script = Files.createDirectories(dir).resolve(parts[parts.length - 1]);
        Files.writeString(script, text);
        return script;
    }
}
