package io.p9gate.gateway.adversarial;

import static io.p9gate.gateway.adversarial.QuotaAttackGateway.LIMIT;
import static io.p9gate.gateway.adversarial.QuotaAttackGateway.O_RDWR;
import static io.p9gate.gateway.adversarial.QuotaAttackGateway.ROOT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.SetAttr;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Red team of round 14 (R-POL-6): eight connections of one VM, released together by a barrier, each try to take the
 * whole 1 MiB byte quota at once: four by writing their own file full, two by Tsetattr growing theirs to the limit
 * and then writing it, two by writing one shared file at their own halves. Each check of room left is made by one
 * connection while seven others are making theirs; together they must not hold more than the limit on the host
 * (over-commit), and the running count must be what a restart's scan finds.
 */
class QuotaEightConnectionsAttackTest {
    private static final int CONNECTIONS = 8;
    private static final int CACHE = 1;
    private static final int FILE = 2;

    @RegisterExtension
    final QuotaAttackGateway target = new QuotaAttackGateway();

    @Test
    void eightConnectionsTogetherStayWithinTheByteQuota() throws Exception {
        target.start();
        List<P9Client> clients = new ArrayList<>();
        for (int i = 0; i < CONNECTIONS; i++) {
            P9Client c = target.connect();
            c.walk(ROOT, CACHE, "work", "cache");
            c.walk(CACHE, FILE);
            c.lcreate(FILE, i >= 6 ? "shared" : "f" + i, O_RDWR, 0644, 0);
            clients.add(c);
        }
        CyclicBarrier start = new CyclicBarrier(CONNECTIONS);
        ExecutorService pool = Executors.newFixedThreadPool(CONNECTIONS);
        try {
            List<Future<Long>> taken = new ArrayList<>();
            for (int i = 0; i < CONNECTIONS; i++) {
                P9Client c = clients.get(i);
                int which = i;
                taken.add(pool.submit(() -> {
                    start.await(10, TimeUnit.SECONDS);
                    if (which >= 4 && which < 6) {
                        try {
                            c.setattr(FILE, new SetAttr(SetAttr.SETATTR_SIZE, 0, 0, 0, LIMIT, 0, 0, 0, 0));
                        } catch (P9Exception e) {
                            assertEquals(Errno.EDQUOT, e.errno());
                        }
                    }
                    long offset = which == 7 ? LIMIT / 2 : 0;
                    return QuotaAttackGateway.fill(c, FILE, offset, which >= 6 ? LIMIT / 2 : LIMIT);
                }));
            }
            for (Future<Long> f : taken) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        long onHost;
        try (Stream<Path> files = Files.list(target.scope)) {
            onHost = files.mapToLong(p -> p.toFile().length()).sum();
        }
        assertTrue(onHost <= LIMIT, "eight connections hold " + onHost + " bytes under a " + LIMIT + "-byte quota");
        for (P9Client c : clients) {
            c.clunk(FILE);
        }
        assertEquals(target.usageAfterRestart(), target.usageNow(), "the running count drifted");
    }
}
