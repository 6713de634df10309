package io.p9gate.gateway.identity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.budget.Allowance;
import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.policy.PolicyHolder;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red team (R-ROB-2, after 1a35f94c): once a reload swapped two VMs' sockets, a.sock names VM b but keeps VM a's
 * event loops and accept-time connection places until the restart, so every connection to it is accepted, identified
 * and refused (recorded) on a's loops, holding one of a's places until closed. Can b, or any host process the socket's
 * mode lets connect, slow a's sessions there or starve a's connection budget by connecting to a.sock in a loop?
 *
 * <p>Measured on a session of a's still on a's loops (the rig runs no re-identification pass; in production a is
 * served on its loops after such a reload only if it moved to a shared listener): its Tgetattr round trips idle and
 * under a connect flood to a.sock, compared with the same flood made as VM a itself before the swap, which is
 * refused past a's connection budget at accept. Ratios, never absolute times. After the swap that session's requests
 * are refused EACCES (its socket went to another VM: identity.RequestBeforeReidentificationAttackTest), so its round
 * trips there are refusals', still made on a's loop.
 */
class SwappedSocketConnectFloodAttackTest {
    private static final int MSIZE = 65536;
    private static final int FLOODERS = 4;
    private static final int REQUESTS = 2000;
    /** Generous: other floods a VM may make on its own resources are held to a few times idle. */
    private static final double MEDIAN_BOUND = 4.0;

    private static final String VMS = """
            a:
              listen: unix:%s
              limits: {connections: %d}
              shares: {a: {path: %%A, access: read-only}}
            b:
              listen: unix:%s
              limits: {connections: %d}
              shares: {b: {path: %%B, access: read-only}}
            """;
    private static final int LIMIT = 8;

    @TempDir
    Path tmp;

    @Test
    void aConnectFloodOnASwappedSocketNeitherSlowsItsFirstVmNorKeepsItsPlaces() throws Exception {
        Path aSock = tmp.resolve("a.sock");
        Path bSock = tmp.resolve("b.sock");
        try (IdentityRig rig = new IdentityRig(tmp).start(VMS.formatted(aSock, LIMIT, bSock, LIMIT), null);
                P9Client a = P9Client.open(UnixDomainSocketAddress.of(aSock), MSIZE)) {
            rig.countOnly = true;
            AtomicLong refusals = new AtomicLong();
            AtomicLong refusedOnAsLoops = new AtomicLong();
            rig.beforeRecord = e -> {
                if (e.request().sessionId() == 0 && !e.decision().allowed()) {
                    refusals.incrementAndGet();
                    if (Thread.currentThread().getName().startsWith("p9gate-io-a-")) {
                        refusedOnAsLoops.incrementAndGet();
                    }
                }
            };
            a.attach(0, "root", "a", 0);
            a.walk(0, 1, "a.txt");
            Allowance places = rig.budgets.vm("a").orElseThrow().connections();
            latencies(a, REQUESTS); // warm up

            long[] idle = latencies(a, REQUESTS);
            Flood own = Flood.start(aSock, places); // as VM a itself: past its budget, refused at accept
            long[] underOwn = latencies(a, REQUESTS);
            own.end();
            long ownRefused = refusals.getAndSet(0);

            rig.write(VMS.formatted(bSock, LIMIT, aSock, LIMIT));
            assertInstanceOf(PolicyHolder.ReloadResult.Loaded.class, rig.holder.reload());
            long[] idleAfter = latencies(a, REQUESTS);
            // a's own connections still queued for its loop at the reload are refused there (as b's now): not b's.
            refusals.set(0);
            refusedOnAsLoops.set(0);
            Flood swapped = Flood.start(aSock, places); // as VM b: each refused on a's loop, recorded
            long[] underSwapped = latencies(a, REQUESTS);
            swapped.end();
            long swappedRefused = refusals.get();

            String seen = ("a's Tgetattr median/p99 us: idle %s, own flood %s (%d connects, %d refused, places max %d);"
                            + " after swap idle %s, b's flood %s (%d connects, %d refused, %d on a's loops,"
                            + " places max %d of %d)")
                    .formatted(
                            show(idle),
                            show(underOwn),
                            own.connects.get(),
                            ownRefused,
                            own.maxPlaces.get(),
                            show(idleAfter),
                            show(underSwapped),
                            swapped.connects.get(),
                            swappedRefused,
                            refusedOnAsLoops.get(),
                            swapped.maxPlaces.get(),
                            LIMIT);
            System.out.println(seen);
            assertTrue(swapped.connects.get() > 1000, "the flood ran: " + seen);
            assertTrue(
                    median(underSwapped) <= MEDIAN_BOUND * Math.max(median(idleAfter), median(underOwn)),
                    "b's connects to a.sock slow a's session no more than a's own would: " + seen);
            assertEquals(0, refusedOnAsLoops.get(), "b's connections are refused off a's loops: " + seen);
            assertTrue(swapped.maxPlaces.get() < LIMIT, "b's refused connections keep a place of a's free: " + seen);
            assertTrue(swappedRefused <= swapped.connects.get(), "at most a record a connection: " + seen);
            assertEquals(
                    Errno.EACCES,
                    assertThrows(P9Exception.class, () -> read(a)).errno(),
                    "a's session on the socket the reload gave to b is refused from the swap on");
        }
    }

    /** Threads connecting to a socket and closing at once, until stopped; samples the VM's places in use. */
    private record Flood(
            List<Thread> threads, AtomicBoolean stop, AtomicLong connects, AtomicLong maxPlaces, AtomicLong failed) {
        static Flood start(Path socket, Allowance places) throws InterruptedException {
            Flood f = new Flood(
                    new ArrayList<>(), new AtomicBoolean(), new AtomicLong(), new AtomicLong(), new AtomicLong());
            CountDownLatch running = new CountDownLatch(FLOODERS);
            for (int i = 0; i < FLOODERS; i++) {
                f.threads.add(Thread.ofPlatform().start(() -> {
                    running.countDown();
                    while (!f.stop.get()) {
                        try (SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX)) {
                            c.connect(UnixDomainSocketAddress.of(socket));
                            f.connects.incrementAndGet();
                        } catch (IOException e) {
                            f.failed.incrementAndGet();
                        }
                        f.maxPlaces.accumulateAndGet(places.used(), Math::max);
                    }
                }));
            }
            assertTrue(running.await(10, TimeUnit.SECONDS));
            return f;
        }

        void end() throws InterruptedException {
            stop.set(true);
            for (Thread t : threads) {
                t.join(10_000);
            }
        }
    }

    private static String read(P9Client a) throws Exception {
        a.walk(0, 2, "a.txt");
        a.lopen(2, 0);
        return new String(a.read(2, 0, 100), java.nio.charset.StandardCharsets.UTF_8);
    }

    /** Tgetattr round trips; a refusal (after the swap) is a round trip too. */
    private static long[] latencies(P9Client c, int n) throws Exception {
        long[] each = new long[n];
        for (int i = 0; i < n; i++) {
            long start = System.nanoTime();
            try {
                c.getattr(1, 0x3fffL);
            } catch (P9Exception refused) {
                assertEquals(Errno.EACCES, refused.errno());
            }
            each[i] = System.nanoTime() - start;
        }
        return each;
    }

    private static long median(long[] ns) {
        return quantile(ns, 0.5);
    }

    private static long quantile(long[] ns, double q) {
        long[] sorted = ns.clone();
        Arrays.sort(sorted);
        return sorted[(int) Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
    }

    private static String show(long[] ns) {
        return quantile(ns, 0.5) / 1000 + "/" + quantile(ns, 0.99) / 1000;
    }
}
