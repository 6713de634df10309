package io.p9gate.gateway.guest;

import static org.junit.jupiter.api.Assumptions.abort;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * The shipped guest helper {@code p9gate-mount} (src/guest), built for a test with the same script Maven uses.
 * Kept under gateway/target: run-guest.sh copies an {@code --add-bin} to the same path in the guest.
 */
public final class MountHelper {
    private MountHelper() {}

    /** Builds the helper (gcc -static); aborts the test, saying why, when gcc is not installed. */
    public static Path build() throws IOException, InterruptedException {
        if (GuestHarness.findOnPath("gcc").isEmpty()) {
            abort("gcc not installed: the static guest helper cannot be built (apt-get install gcc libc6-dev)");
        }
        Path binary = RepoPaths.root().resolve("gateway/target/guest-bin/p9gate-mount");
        HostBuild.run(
                "building p9gate-mount",
                List.of(
                        "sh",
                        RepoPaths.root()
                                .resolve("src/guest/build-p9gate-mount.sh")
                                .toString(),
                        binary.toString()));
        return binary;
    }
}
