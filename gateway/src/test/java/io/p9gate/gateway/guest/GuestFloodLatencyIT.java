package io.p9gate.gateway.guest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.auditing.SignedLogs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two real Linux 9P clients on one gateway: while {@code infotainment} floods (listings of a directory of
 * {@link #ENTRIES} entries, walks of a tree {@link #DEPTH} deep, whole reads of a 16 MiB file at msize, creates into
 * a directory under an inode quota, all in parallel), {@code cluster}'s simple operations (stat, open, read 4 KiB, close) keep a bounded
 * latency. GuestIsolationIT times a whole workload against floods of small requests; this one times each round of
 * the victim against floods of large replies (readdir, read) and long walks. Asserted only a generous bound (the
 * two emulated guests and the gateway share two host cores with whatever else runs): the victim's median round at
 * most {@link #MAX_SLOWDOWN} times its median alone; the numbers are printed.
 */
class GuestFloodLatencyIT {
    private static final int ENTRIES = 20_000;
    private static final int DEPTH = 60;
    private static final int FLOOD_INODES = 20;
    private static final double MAX_SLOWDOWN = 10.0;
    private static final Pattern ROUND = Pattern.compile("median=(\\d+)_p99=(\\d+)");

    @TempDir
    Path tmp;

    @Test
    void aFloodingGuestDoesNotStarveAnotherGuestsSimpleOperations() throws Exception {
        GuestHarness harness = GuestHarness.locate();
        Path common = Files.createDirectories(tmp.resolve("common"));
        Files.createDirectories(common.resolve("sync"));
        Files.createDirectories(common.resolve("flood"));
        Files.createDirectories(common.resolve("victim"));
        Files.write(common.resolve("victim/small"), new byte[4096]);
        Path many = Files.createDirectories(common.resolve("pub/many"));
        for (int i = 0; i < ENTRIES; i++) {
            Files.createFile(many.resolve("entry-with-a-longish-name-" + i));
        }
        Path deep = common.resolve("pub/deep");
        for (int i = 0; i < DEPTH; i++) {
            deep = deep.resolve("d" + i);
        }
        Files.createDirectories(deep);
        Files.write(common.resolve("pub/big"), new byte[16 << 20]);
        Path policyFile = tmp.resolve("policy.yaml");
        Files.writeString(policyFile, policy(common));
        SignedLogs logs = SignedLogs.in(tmp.resolve("audit"));

        Path helper = HostBuild.guestBinary("probe-helper");
        GuestResult victimResult;
        GuestResult hostileResult;
        try (TwoGuestGateway gateway = new TwoGuestGateway(harness, policyFile, logs, "flood-latency")) {
            CompletableFuture<GuestResult> flooder = gateway.boot(
                    "p9gate-flood-hostile", tmp.resolve("infotainment.sock"), run("flood-hostile.sh", helper));
            GuestBoots.awaitBoot(common.resolve("sync/hostile-ready"), flooder);
            victimResult = gateway.boot(
                            "p9gate-flood-victim", tmp.resolve("cluster.sock"), run("flood-victim.sh", helper))
                    .join();
            hostileResult = flooder.join();
        }

        Map<String, String> seen = victimResult.marks();
        System.out.println("GuestFloodLatencyIT: victim " + seen + "; flooder " + hostileResult.marks());
        assertEquals(0, victimResult.exitCode(), victimResult::describe);
        assertTrue(seen.containsKey("done") && !seen.containsKey("error"), victimResult::describe);
        Matcher alone = ROUND.matcher(String.valueOf(seen.get("baseline")));
        Matcher attacked = ROUND.matcher(String.valueOf(seen.get("attacked")));
        assertTrue(alone.matches() && attacked.matches(), victimResult::describe);
        long aloneMedian = Long.parseLong(alone.group(1));
        long attackedMedian = Long.parseLong(attacked.group(1));
        double slowdown = (double) attackedMedian / Math.max(1, aloneMedian);
        System.out.printf(
                "GuestFloodLatencyIT: victim round alone median %d us p99 %s us; flooded median %d us p99 %s us: %.2fx%n",
                aloneMedian, alone.group(2), attackedMedian, attacked.group(2), slowdown);
        Map<String, String> flood = hostileResult.marks();
        assertEquals(0, hostileResult.exitCode(), hostileResult::describe);
        for (String kind : new String[] {"listings-1", "walks", "reads-1"}) {
            assertTrue(flood.containsKey(kind) && !"0".equals(flood.get(kind)), "the flood ran: " + flood);
        }
        assertTrue(
                String.valueOf(flood.get("creates")).matches("made=[1-9]\\d* refused=\\d+"), "creates ran: " + flood);
        assertTrue(slowdown <= MAX_SLOWDOWN, "the victim slowed " + slowdown + "x");
        SignedLogs.Verified verified = logs.verify();
        assertEquals(0, verified.exit(), verified.output());
    }

    private static GuestRun run(String script, Path helper) {
        return GuestRun.script(RepoPaths.guestScripts().resolve(script))
                .withTimeout(Duration.ofSeconds(300))
                .withBin(helper)
                .withEnv("PROBE_HELPER", helper.toString());
    }

    private String policy(Path common) {
        return """
                image: test
                vms:
                  cluster:
                    listen: unix:%1$s
                    ids:
                      uid: {ranges: [{guest: 0, host: 200000, count: 65536}]}
                      gid: {ranges: [{guest: 0, host: 200000, count: 65536}]}
                    shares:
                      car:
                        path: %3$s
                        access: read-write
                  infotainment:
                    listen: unix:%2$s
                    ids:
                      uid: {ranges: [{guest: 0, host: 300000, count: 65536}]}
                      gid: {ranges: [{guest: 0, host: 300000, count: 65536}]}
                    shares:
                      car:
                        path: %3$s
                        access: read-write
                        read-only: [/pub]
                        hidden: [/victim]
                        quotas:
                          - {path: /flood, inodes: %4$d}
                """.formatted(tmp.resolve("cluster.sock"), tmp.resolve("infotainment.sock"), common, FLOOD_INODES);
    }
}
