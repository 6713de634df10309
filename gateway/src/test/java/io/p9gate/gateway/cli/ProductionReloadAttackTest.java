package io.p9gate.gateway.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The production profile at a reload: a VM socket that every host user may connect to (mode 0666) is accepted with
 * a {@code peer:}; a reload that dropped the {@code peer:} was taken, and from then on any local process connecting
 * to the socket, still 0666 on disk, was the VM. The profile's rules about the policy now hold for every reload: it
 * is refused and the old policy stays, while a reload that breaks no rule is still taken.
 */
class ProductionReloadAttackTest {
    @TempDir
    Path dir;

    private static String withSocket(String policy, String socketKeys) {
        return policy.replace("    shares:", "    " + socketKeys + "\n    shares:");
    }

    @Test
    void aReloadThatDropsThePeerOfASocketEveryUserMayReachIsRefused() throws Exception {
        AcceptableProduction setup = AcceptableProduction.in(dir);
        Files.delete(setup.notSocket); // this time the VM's socket is bound
        String plain = Files.readString(setup.policy);
        String guarded = withSocket(plain, "socket: {mode: \"0666\"}\n    peer: {uid: \"0\"}");
        AcceptableProduction.writePrivate(setup.policy, guarded);
        Path pidFile = dir.resolve("p9gate.pid");
        List<String> args = new ArrayList<>(List.of("serve"));
        args.addAll(List.of(setup.options("--pid-file", pidFile.toString())));
        try (ServeProcess serve = ServeProcess.start(Map.of(), args.toArray(String[]::new))) {
            serve.awaitStdout("SIGHUP reloads it");
            assertEquals(
                    "rw-rw-rw-",
                    PosixFilePermissions.toString(
                            Files.getPosixFilePermissions(setup.notSocket, LinkOption.NOFOLLOW_LINKS)),
                    "every host user may connect(2) to the socket; peer: tells the hypervisor apart");

            AcceptableProduction.writePrivate(setup.policy, withSocket(plain, "socket: {mode: \"0666\"}"));
            CliRun refused = CliRun.of("policy", "reload", "--pid-file", pidFile.toString());
            assertEquals(Main.EXIT_FAILURE, refused.code(), refused.out() + refused.err());
            assertTrue(
                    refused.err()
                            .contains("production profile refuses it: VM 'v' socket unix:" + setup.notSocket
                                    + " has mode 0666 and no peer:"),
                    refused.err());

            AcceptableProduction.writePrivate(setup.policy, guarded.replace("access: read-write", "access: read-only"));
            CliRun taken = CliRun.of("policy", "reload", "--pid-file", pidFile.toString());
            assertEquals(0, taken.code(), "a reload that breaks no rule is taken: " + taken.err());
            assertEquals(ServeProcess.EXIT_ON_SIGTERM, serve.stop(), serve.stderr());
        }
    }
}
