package io.p9gate.gateway.adversarial;

import static io.p9gate.gateway.adversarial.QuotaAttackGateway.O_RDWR;
import static io.p9gate.gateway.adversarial.QuotaAttackGateway.ROOT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.client.PendingCall;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.TMessage;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Red team (R-ROB, races): EntryLocks (striped by directory and name, gateway-wide) under the quota's per-VM inode
 * locks and the own-change notes. Four connections of a VM with a quota and two of another VM on the same host folder
 * rename in cycles (x/a -> y/b and y/b -> x/a at once, across the quota scope's boundary both ways), unlink, remove
 * through walked fids, and create, link, symlink and mknod the same few names. The gateway must never hang (each
 * connection's calls time out; a stuck storm fails with the gateway's thread dump). Without the other VM (whose
 * changes are host changes to the quota, docs/policy.md), every fid closed, the count must be what a restart finds.
 * No defect found; with EntryLocks taking a rename's two locks in argument order instead of stripe order, the
 * pipelined cycles hung the gateway (the run with the other VM: no reply to a Tclunk within 60 s).
 */
class EntryLockCycleAttackTest {
    private static final String[] NAMES = {"a", "b"};
    private static final int MALLORY = 4;
    private static final int REQUESTS = 1500;
    private static final int S_IFIFO = 0010000;

    @RegisterExtension
    final QuotaAttackGateway target = new QuotaAttackGateway();

    @ParameterizedTest
    @ValueSource(ints = {0, 2})
    void cyclicRenamesAndCreatesNeverHangNorDriftTheCount(int peers) throws Exception {
        Files.createDirectories(target.scope.resolve("x"));
        Files.createDirectories(target.scope.resolve("y"));
        Files.createDirectories(target.share.resolve("z"));
        target.start();
        List<P9Client> clients = new ArrayList<>();
        for (int i = 0; i < MALLORY; i++) {
            clients.add(target.connect());
        }
        for (int i = 0; i < peers; i++) {
            clients.add(target.connectPeer());
        }
        for (P9Client c : clients) {
            c.timeout(Duration.ofSeconds(60));
            c.walk(ROOT, 1, "work", "cache", "x");
            c.walk(ROOT, 2, "work", "cache", "y");
            c.walk(ROOT, 3, "z");
        }
        AtomicInteger renamed = new AtomicInteger();
        QuotaAttackGateway.storm(clients, (c, random) -> storm(c, random, renamed), Duration.ofMinutes(4));
        for (P9Client c : clients) {
            for (int fid = 1; fid <= 3; fid++) {
                c.clunk(fid);
            }
        }
        assertTrue(renamed.get() > REQUESTS / 20, "the storm renamed " + renamed + " times: a cycle was never tried");
        if (peers == 0) {
            assertEquals(target.usageAfterRestart(), target.usageNow());
        }
    }

    /** One connection's requests; its own fids (4, 5) are clunked before each request ends. */
    private static void storm(P9Client c, Random r, AtomicInteger renamed) throws Exception {
        for (int i = 0; i < REQUESTS; i++) {
            int d = 1 + r.nextInt(3);
            int e = 1 + r.nextInt(3);
            String n = NAMES[r.nextInt(NAMES.length)];
            String m = NAMES[r.nextInt(NAMES.length)];
            try {
                switch (r.nextInt(10)) {
                    case 9 -> pipelinedCycle(c, renamed);
                    case 0, 1 -> {
                        c.renameat(d, n, e, m);
                        renamed.incrementAndGet();
                    }
                    case 2 -> c.unlinkat(d, n, r.nextBoolean() ? 0 : 0x200);
                    case 3 -> {
                        c.walk(d, 4, n);
                        try {
                            c.remove(4);
                        } catch (P9Exception gone) {
                            // clunked whatever the outcome
                        }
                    }
                    case 4 -> {
                        c.walk(d, 4);
                        try {
                            c.lcreate(4, n, O_RDWR, 0644, 0);
                            c.write(4, 0, new byte[r.nextInt(8192)]);
                        } finally {
                            c.clunk(4);
                        }
                    }
                    case 5 -> c.mkdir(d, n, 0755, 0);
                    case 6 -> c.symlink(d, n, "t", 0);
                    case 7 -> {
                        c.walk(d, 5, n);
                        try {
                            c.link(e, 5, m);
                        } finally {
                            c.clunk(5);
                        }
                    }
                    default -> c.rpc(new TMessage.Tmknod(d, n, S_IFIFO | 0644, 0, 0, 0));
                }
            } catch (P9Exception expected) {
                // ENOENT, EEXIST, ENOTEMPTY, EXDEV, EDQUOT...: the race's ordinary outcomes
            }
        }
    }

    /**
     * x/a -> y/b and y/b -> x/a, and the same through z, 32 of each pipelined: the workers take the two names' locks
     * at once from both ends.
     */
    private static void pipelinedCycle(P9Client c, AtomicInteger renamed) throws Exception {
        List<PendingCall> calls = new ArrayList<>();
        for (int k = 0; k < 32; k++) {
            int there = k % 2 == 0 ? 2 : 3;
            calls.add(c.send(new TMessage.Trenameat(1, "a", there, "b")));
            calls.add(c.send(new TMessage.Trenameat(there, "b", 1, "a")));
        }
        for (PendingCall call : calls) {
            try {
                c.await(call);
                renamed.incrementAndGet();
            } catch (P9Exception expected) {
                // ENOENT: the other end was first
            }
        }
    }
}
