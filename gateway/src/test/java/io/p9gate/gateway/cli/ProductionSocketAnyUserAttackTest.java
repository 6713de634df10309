package io.p9gate.gateway.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * R-DEP-1 under the production profile: a VM's Unix socket with {@code socket: {mode: "0666"}} and no {@code peer:}
 * lets every host user connect(2), and whoever connects is the VM. The profile started such a policy; now it is
 * refused, one line and exit 2. A {@code peer:} (SO_PEERCRED) tells the hypervisor from the others again.
 */
class ProductionSocketAnyUserAttackTest {
    @TempDir
    Path dir;

    /** The acceptable configuration, its VM's listener given {@code socketKeys}; serve run on it. */
    private static CliRun serveWithSocket(AcceptableProduction setup, String socketKeys) throws Exception {
        AcceptableProduction.writePrivate(
                setup.policy,
                Files.readString(setup.policy).replace("    shares:", "    " + socketKeys + "\n    shares:"));
        return AcceptableProduction.serve(setup.options());
    }

    @Test
    void aSocketEveryUserMayConnectToWithoutAPeerIsRefused() throws Exception {
        AcceptableProduction setup = AcceptableProduction.in(dir);
        setup.assertRefused(
                serveWithSocket(setup, "socket: {mode: \"0666\"}"),
                "VM 'v' socket unix:" + setup.notSocket + " has mode 0666 and no peer: (any host user may connect");
    }

    @Test
    void withAPeerTheSameSocketIsAccepted() throws Exception {
        CliRun run = serveWithSocket(AcceptableProduction.in(dir), "socket: {mode: \"0666\"}\n    peer: {uid: \"0\"}");
        assertEquals(Main.EXIT_FAILURE, run.code(), run.err());
        assertTrue(run.err().contains("not a socket"), "the start went on to bind: " + run.err());
    }
}
