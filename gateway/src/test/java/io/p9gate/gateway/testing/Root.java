package io.p9gate.gateway.testing;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.p9gate.gateway.backend.LinuxSyscalls;

/** Tests that only a root run can make: they show as skipped, with the reason, when the run is unprivileged. */
public final class Root {
    private Root() {}

    /** Skips the rest of the test unless the effective uid is 0 (the user name can say root when it is not). */
    public static void assumeRoot(String why) {
        assumeTrue(LinuxSyscalls.geteuid() == 0, why + " needs a root test run");
    }
}
