package io.p9gate.gateway.guest;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Builds a static guest binary on the host (the guest has no compiler): one command, its output on failure. */
final class HostBuild {
    private static final long TIMEOUT_SECONDS = 120;

    private HostBuild() {}

    /**
     * gcc -static builds {@code gateway/src/test/guest/NAME.c} into {@code gateway/target/guest-bin/NAME}, for
     * --add-bin. Kept under gateway/target, not /tmp: the guest mounts a tmpfs over an empty /tmp.
     */
    static Path guestBinary(String name) throws IOException, InterruptedException {
        Path source = RepoPaths.guestScripts().resolve(name + ".c");
        Path binary = RepoPaths.root().resolve("gateway/target/guest-bin/" + name);
        Files.createDirectories(binary.getParent());
        run(
                "gcc -static " + name + ".c (install gcc and libc6-dev)",
                List.of("gcc", "-static", "-O2", "-o", binary.toString(), source.toString()));
        return binary;
    }

    static void run(String what, List<String> command) throws IOException, InterruptedException {
        Process build = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(build.getInputStream().readAllBytes());
        if (!build.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS) || build.exitValue() != 0) {
            throw new IOException(what + " failed: " + output);
        }
    }
}
