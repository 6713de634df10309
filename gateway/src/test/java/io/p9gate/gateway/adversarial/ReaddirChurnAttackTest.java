package io.p9gate.gateway.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.proto.DirEntry;
import io.p9gate.gateway.testing.DevShm;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Red team (R-POL-4, races): a guest lists a directory of 300 files over and over, in replies of 600-799 bytes,
 * while the host creates and removes, as fast as it can, 40 names the policy hides there and 40 it shows. Each full
 * listing must hold each of the 300 files exactly once, no hidden name, and end (no offset that loops). On ext4
 * (hash cookies) and tmpfs (counting cookies). No defect found.
 */
class ReaddirChurnAttackTest {
    private static final int O_DIRECTORY = 0200000;

    @TempDir
    Path tmp;

    @ParameterizedTest
    @ValueSource(strings = {"tmp", "shm"})
    void aListingOfADirectoryTheHostChurnsHasEachFileOnceAndNoHiddenName(String where) throws Exception {
        StringBuilder hidden = new StringBuilder("hidden: [");
        for (int i = 0; i < 40; i++) {
            hidden.append(i == 0 ? "" : ", ").append("/d/s").append(i);
        }
        hidden.append("]");
        Path base =
                where.equals("tmp") ? Files.createDirectories(tmp.resolve("share")) : DevShm.directory("p9gate-churn");
        try (HostShareGateway gw =
                HostShareGateway.serving(tmp, List.of(new HostShareGateway.Share("data", base, hidden.toString())))) {
            Path d = Files.createDirectories(base.resolve("d"));
            for (int i = 0; i < 300; i++) {
                Files.writeString(d.resolve("k" + i), "k");
            }
            AtomicBoolean stop = new AtomicBoolean();
            Thread churn = Thread.ofPlatform().start(() -> {
                Random r = new Random(1);
                while (!stop.get()) {
                    try {
                        Path p = d.resolve((r.nextBoolean() ? "s" : "c") + r.nextInt(40));
                        if (Files.exists(p)) {
                            Files.delete(p);
                        } else {
                            Files.writeString(p, "x");
                        }
                    } catch (Exception e) {
                        // racing itself
                    }
                }
            });
            List<String> bad = new ArrayList<>();
            try (P9Client guest = gw.attached("data", 0)) {
                guest.walk(0, 1, "d");
                guest.lopen(1, O_DIRECTORY);
                for (int round = 0; round < 200; round++) {
                    Map<String, Integer> seen = new HashMap<>();
                    long offset = 0;
                    int replies = 0;
                    while (true) {
                        List<DirEntry> got = guest.readdir(1, offset, 600 + round);
                        if (got.isEmpty()) {
                            break;
                        }
                        if (++replies > 10_000) {
                            bad.add("round " + round + " loops at " + offset);
                            break;
                        }
                        for (DirEntry e : got) {
                            seen.merge(e.name(), 1, Integer::sum);
                        }
                        offset = got.getLast().offset();
                    }
                    for (var e : seen.entrySet()) {
                        if (e.getKey().startsWith("s")) {
                            bad.add("round " + round + " hidden " + e.getKey());
                        }
                        if (e.getKey().startsWith("k") && e.getValue() != 1) {
                            bad.add("round " + round + " " + e.getKey() + " x" + e.getValue());
                        }
                    }
                    for (int i = 0; i < 300; i++) {
                        if (!seen.containsKey("k" + i)) {
                            bad.add("round " + round + " lost k" + i);
                        }
                    }
                }
            } finally {
                stop.set(true);
                churn.join();
            }
            assertEquals(List.of(), bad.subList(0, Math.min(10, bad.size())), bad.size() + " faults");
        } finally {
            if (!where.equals("tmp")) {
                DevShm.delete(base);
            }
        }
    }
}
