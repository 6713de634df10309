package io.p9gate.gateway.guest;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Builds a static guest binary on the host (the guest has no compiler): one command, its output on failure. */
final class HostBuild {
    private static final long TIMEOUT_SECONDS = 120;

    private HostBuild() {}

    static void run(String what, List<String> command) throws IOException, InterruptedException {
        Process build = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(build.getInputStream().readAllBytes());
        if (!build.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS) || build.exitValue() != 0) {
            throw new IOException(what + " failed: " + output);
        }
    }
}
