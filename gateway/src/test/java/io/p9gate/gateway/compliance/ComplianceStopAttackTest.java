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
            suite = fillThenStopTheGateway(
                    share, policy, out, "--report", tmp.resolve("report").toString());
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
        String json = Files.readString(tmp.resolve("report/report.json"));
        assertTrue(
                json.matches("(?s).*\"id\" *: *\"vm1/data/cleanup-retry\"[^}]*\"status\" *: *\"passed\".*"),
                () -> "the retry's result is in the report: " + json);
    }

    /**
     * The gateway is gone and the operator stops the run while it retries the removal. Before, the stop hook was
     * already removed and the run ended without a word about the places it left; now it says what is left where.
     */
    @Test
    void aRunStoppedWhileRetryingSaysWhatItLeaves() throws Exception {
        Path share = Files.createDirectories(tmp.resolve("share"));
        Path policy = policy(share);
        Path out = tmp.resolve("suite.out");
        Process suite = null;
        try {
            suite = fillThenStopTheGateway(share, policy, out); // and it stays stopped
            while (suite.isAlive() && !read(out).contains("could not remove itself")) {
                Thread.sleep(50);
            }
            assertTrue(suite.isAlive(), () -> "the run ended before its retry was stopped: " + read(out));
            suite.destroy();
            assertTrue(Processes.awaitExit(suite, 120), () -> "the stopped suite did not end: " + read(out));
        } finally {
            if (suite != null) {
                suite.destroyForcibly();
            }
        }
        String text = read(out);
        String retry = text.substring(text.indexOf("could not remove itself"));
        assertTrue(retry.contains("  LEFT in data:/ (p9gate-compliance-"), () -> text);
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
    private static Process startSuite(Path policy, Path out, String... more) throws IOException {
        List<String> command =
                ServedGateway.main("compliance", "run", "--policy", policy.toString(), "--max-creates", "200000");
        command.addAll(List.of(more));
        return new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(out.toFile())
                .start();
    }

    /**
     * Starts the suite against a gateway serving {@code policy} and, once the run fills the quota, stops the gateway
     * (SIGTERM): the run's sessions break. Returns the suite, still running.
     */
    private Process fillThenStopTheGateway(Path share, Path policy, Path out, String... more) throws Exception {
        try (ServedGateway served = ServedGateway.serve(policy, Files.createDirectories(tmp.resolve("gw")))) {
            Process suite = startSuite(policy, out, more);
            try {
                awaitFill(share, suite, out, served);
            } catch (AssertionError e) {
                suite.destroyForcibly();
                throw e;
            }
            return suite;
        }
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
