package io.p9gate.gateway.compliance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.testing.Processes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The operator stops {@code p9gate compliance run} half-way (Ctrl-C, or a CI job's timeout sending SIGTERM) while it
 * fills an inode quota of a live share: what it made there must not stay behind. Before, its scratch directories and
 * every entry of the fill stayed in the share, counted against the VM's quota, until someone removed them by hand.
 */
class ComplianceStopAttackTest {
    @TempDir
    Path tmp;

    @Test
    void aRunStoppedWhileFillingAQuotaLeavesNothingInTheShare() throws Exception {
        Path share = Files.createDirectories(tmp.resolve("share"));
        Path policy = policy(share);
        Path out = tmp.resolve("suite.out");
        try (ServedGateway served = ServedGateway.serve(policy, Files.createDirectories(tmp.resolve("gw")))) {
            Process suite = startSuite(policy, out);
            try {
                awaitFill(share, suite, out, served);
                suite.destroy(); // SIGTERM, as Ctrl-C's SIGINT: the JVM's shutdown sequence runs
                assertTrue(Processes.awaitExit(suite, 120), () -> "the stopped suite did not end: " + read(out));
            } finally {
                suite.destroyForcibly();
            }
        }
        assertEquals(List.of(), leftovers(share), () -> read(out));
    }

    /**
     * The gateway is restarted (an upgrade, a crash) while the run fills the quota: the run's sessions break, its
     * own cleanup cannot reach the share, and before its scratch directories stayed there with the fill. The run
     * now tries again over a new connection once the gateway is back.
     */
    @Test
    void aRunWhoseGatewayRestartsLeavesNothingInTheShare() throws Exception {
        Path share = Files.createDirectories(tmp.resolve("share"));
        Path policy = policy(share);
        Path out = tmp.resolve("suite.out");
        Process suite = null;
        try {
            try (ServedGateway served = ServedGateway.serve(policy, Files.createDirectories(tmp.resolve("gw")))) {
                suite = startSuite(policy, out);
                awaitFill(share, suite, out, served);
            } // SIGTERM: the gateway stops, the run's sessions break
            Process running = suite;
            try (ServedGateway again = ServedGateway.serve(policy, Files.createDirectories(tmp.resolve("gw2")))) {
                assertTrue(
                        Processes.awaitExit(running, 180),
                        () -> "the suite did not end: " + read(out) + "\ngateway:\n" + again.output());
            }
        } finally {
            if (suite != null) {
                suite.destroyForcibly();
            }
        }
        assertEquals(List.of(), leftovers(share), () -> read(out));
    }

    private Path policy(Path share) throws IOException {
        return Files.writeString(tmp.resolve("p.yaml"), """
                image: t
                vms:
                  vm1:
                    listen: unix:%s
                    shares: {data: {path: %s, access: read-write, quotas: [{inodes: 100000}]}}
                """.formatted(tmp.resolve("vm1.sock"), share));
    }

    /** {@code p9gate compliance run}, forked, filling the inode quota with up to 200000 entries. */
    private static Process startSuite(Path policy, Path out) throws IOException {
        String java = ProcessHandle.current().info().command().orElse("java");
        return new ProcessBuilder(
                        java,
                        "--enable-native-access=ALL-UNNAMED",
                        "-cp",
                        System.getProperty("java.class.path"),
                        "io.p9gate.gateway.cli.Main",
                        "compliance",
                        "run",
                        "--policy",
                        policy.toString(),
                        "--max-creates",
                        "200000")
                .redirectErrorStream(true)
                .redirectOutput(out.toFile())
                .start();
    }

    /** Returns once the quota fill has made 200 entries, the suite still running. */
    private static void awaitFill(Path share, Process suite, Path out, ServedGateway served)
            throws InterruptedException {
        while (suite.isAlive() && filled(share) < 200) {
            Thread.sleep(50);
        }
        assertTrue(
                suite.isAlive(),
                () -> "the suite ended before it was stopped: " + read(out) + "\ngateway:\n" + served.output());
    }

    /** Entries the quota fill has made so far in the suite's directories. */
    private static long filled(Path share) {
        long n = 0;
        for (Path dir : leftovers(share)) {
            try (Stream<Path> entries = Files.list(dir)) {
                n += entries.count();
            } catch (IOException e) {
                // not a directory, or removed meanwhile
            }
        }
        return n;
    }

    private static List<Path> leftovers(Path share) {
        try (Stream<Path> entries = Files.list(share)) {
            return new ArrayList<>(
                    entries.filter(p -> p.getFileName().toString().contains("p9gate-compliance"))
                            .toList());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return "(no output: " + e.getMessage() + ")";
        }
    }
}
