package io.p9gate.gateway.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.client.P9Client;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real thing behind MakingLeftoversSweepAttackTest: {@code kill -9} of {@code serve} at random moments of a
 * Tsymlink and Tmkdir load, which makes each entry under a {@code .p9gate-making-*} name before placing it. A kill in
 * that window leaves the name; the restart's sweep must leave none (before, every one stayed until an administrator
 * removed it with the gateway stopped). How many kills landed in a window is printed (2 of 12 in the run that added
 * it; without the sweep the first restart already failed, with two names left): a run whose kills all miss proves
 * nothing, and says so.
 */
class MakingCrashRestartAttackTest {
    private static final int KILLS = 12;
    private static final int WRITERS = 2;

    @TempDir
    Path tmp;

    @Test
    void noEntryBeingMadeWhenTheGatewayWasKilledOutlivesItsRestart() throws Exception {
        long seed = System.nanoTime();
        Random random = new Random(seed);
        AuditedGatewayProcess gateway = new AuditedGatewayProcess(tmp, List.of());
        int landed = 0;
        for (int kill = 0; kill < KILLS; kill++) {
            gateway.start(0);
            assertEquals(List.of(), leftovers(gateway.share), "after restart " + kill + " (seed " + seed + ")");
            AtomicBoolean stop = new AtomicBoolean();
            CountDownLatch running = new CountDownLatch(WRITERS);
            List<Thread> writers = new ArrayList<>();
            for (int w = 0; w < WRITERS; w++) {
                String prefix = "k" + kill + "-w" + w + "-";
                writers.add(Thread.ofPlatform().start(() -> make(gateway.socket, prefix, stop, running)));
            }
            running.await();
            Thread.sleep(random.nextInt(300));
            gateway.kill();
            stop.set(true);
            for (Thread t : writers) {
                t.join();
            }
            if (!leftovers(gateway.share).isEmpty()) {
                landed++;
            }
        }
        gateway.start(0);
        assertEquals(List.of(), leftovers(gateway.share), "after the last restart (seed " + seed + ")");
        if (landed > 0) {
            assertTrue(
                    gateway.stderrText().contains("entries a stopped gateway left while making them"),
                    gateway.stderrText());
        }
        gateway.kill();
        System.out.printf("MakingCrashRestartAttackTest: %d of %d kills left entries being made%n", landed, KILLS);
    }

    /** Makes symlinks and directories until the gateway dies under it (or it is told to stop). */
    private static void make(Path socket, String prefix, AtomicBoolean stop, CountDownLatch running) {
        try (P9Client client = P9Client.open(UnixDomainSocketAddress.of(socket), 65536)) {
            client.attach(0, "root", "data", 0);
            running.countDown();
            for (int i = 0; !stop.get(); i++) {
                client.symlink(0, prefix + "l" + i, "/target", 0);
                client.mkdir(0, prefix + "d" + i, 0755, 0);
            }
        } catch (Exception killed) {
            running.countDown(); // the gateway was killed under this request: that is the test
        }
    }

    private static List<String> leftovers(Path share) throws Exception {
        try (Stream<Path> entries = Files.list(share)) {
            return entries.map(p -> p.getFileName().toString())
                    .filter(n -> n.startsWith(".p9gate-making-"))
                    .toList();
        }
    }
}
