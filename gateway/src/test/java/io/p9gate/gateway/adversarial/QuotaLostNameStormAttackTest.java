package io.p9gate.gateway.adversarial;

import static io.p9gate.gateway.adversarial.QuotaAttackGateway.O_RDWR;
import static io.p9gate.gateway.adversarial.QuotaAttackGateway.ROOT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.SetAttr;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@link QuotaLostNameAttackTest} as a storm: three connections of the VM make files outside its 2 MiB scope, hold a
 * fid open on each, give it a second name, move second names into the scope, unlink, and write and truncate through
 * the held fids, while another VM (through the gateway) and the host (java.nio) remove names outside the scope.
 * Removals outside the scope are nothing this VM's count of the scope has to follow, so, every fid closed, the count
 * must be what a restart would find; stopped with the fids still open, the bytes the host has in the scope must be
 * within it.
 */
class QuotaLostNameStormAttackTest {
    private static final String[] NAMES = {"a", "b", "c"};
    /** Appended to a name for the file's second name. */
    private static final String SECOND = "2";

    private static final int CONNECTIONS = 3;
    private static final int REQUESTS = 1500;
    private static final int CACHE = 1;
    private static final int OUT = 2;
    private static final int FID = 3;
    private static final int HELD = 100;
    private static final int HOLDS = 3;
    /** The removers together remove one name per this many of the VM's requests: names live long enough to be held. */
    private static final int REQUESTS_PER_REMOVAL = 4;

    /** One permit per request of the VM (all connections): paces the removers. */
    private static final Semaphore SENT = new Semaphore(0);
    /** Names in the scope, each used once: a rename onto a name there would free what it replaces. */
    private static final AtomicLong MOVED = new AtomicLong();

    @RegisterExtension
    final QuotaAttackGateway target = new QuotaAttackGateway("{path: /work/cache, bytes: 2MiB, inodes: 60}");

    @Test
    void namesRemovedByAnotherVmAndTheHostLeaveTheCountAtARestarts() throws Exception {
        Files.createDirectories(target.share.resolve("work/out"));
        target.start();
        List<P9Client> clients = new ArrayList<>();
        for (int i = 0; i < CONNECTIONS; i++) {
            clients.add(target.connect());
        }
        P9Client peer = target.connectPeer();
        peer.walk(ROOT, OUT, "work", "out");
        AtomicBoolean stormDone = new AtomicBoolean();
        CompletableFuture<Void> removers = CompletableFuture.allOf(
                CompletableFuture.runAsync(
                        () -> removeUntil(stormDone, new Random(100), name -> peer.unlinkat(OUT, name, 0))),
                CompletableFuture.runAsync(() -> removeUntil(stormDone, new Random(101), this::hostDeletes)));
        try {
            QuotaAttackGateway.storm(clients, QuotaLostNameStormAttackTest::storm);
        } finally {
            stormDone.set(true);
            removers.join();
        }

        long inScope = target.hostBytesInScope();
        long counted = target.usageNow().bytes();
        assertTrue(inScope <= counted, inScope + " bytes on disk in the scope, " + counted + " counted");

        QuotaAttackGateway.clunkAll(clients, HELD, HOLDS);
        assertEquals(target.usageAfterRestart(), target.usageNow());
    }

    @FunctionalInterface
    private interface Removal {
        void remove(String name) throws Exception;
    }

    private static void removeUntil(AtomicBoolean done, Random r, Removal removal) {
        while (!done.get()) {
            try {
                if (SENT.tryAcquire(REQUESTS_PER_REMOVAL, 10, TimeUnit.MILLISECONDS)) {
                    removal.remove(NAMES[r.nextInt(NAMES.length)]);
                }
            } catch (Exception e) {
                // no such name now
            }
        }
    }

    private void hostDeletes(String name) throws Exception {
        Files.deleteIfExists(target.share.resolve("work/out").resolve(name));
    }

    /**
     * What one connection does: files made outside the scope with a fid held open on them and a second name, their
     * second names moved into the scope (and back), unlinks on both sides, writes and truncates through the held
     * fids. The removers take the first names away.
     */
    private static void storm(P9Client c, Random r) throws Exception {
        c.walk(ROOT, CACHE, "work", "cache");
        c.walk(ROOT, OUT, "work", "out");
        for (int i = 0; i < REQUESTS; i++) {
            String n = NAMES[r.nextInt(NAMES.length)];
            int held = HELD + r.nextInt(HOLDS);
            SENT.release();
            try {
                switch (r.nextInt(10)) {
                    case 0 -> {
                        try {
                            c.clunk(held);
                        } catch (P9Exception e) {
                            // not in use
                        }
                        c.walk(OUT, held);
                        c.lcreate(held, n, O_RDWR, 0644, 0);
                        c.walk(OUT, FID, n);
                        try {
                            c.link(OUT, FID, n + SECOND);
                        } finally {
                            c.clunk(FID);
                        }
                    }
                    case 1, 2, 3 -> c.renameat(OUT, n + SECOND, CACHE, n + "." + MOVED.incrementAndGet());
                    case 4 -> c.unlinkat(OUT, r.nextBoolean() ? n : n + SECOND, 0);
                    case 5 ->
                        c.setattr(held, new SetAttr(SetAttr.SETATTR_SIZE, 0, 0, 0, r.nextInt(1 << 18), 0, 0, 0, 0));
                    default -> c.write(held, r.nextInt(1 << 18), new byte[4096 * (1 + r.nextInt(16))]);
                }
            } catch (P9Exception e) {
                // ENOENT, EEXIST, EDQUOT, EXDEV, EBADF: the race's ordinary outcomes
            }
        }
    }
}
