package io.p9gate.gateway.adversarial;

import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.client.PendingCall;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.TMessage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Measurement, not a test (runs only with {@code -Dp9gate.measure=true}): VM beta's Tgetattr round trips alone and
 * while alpha pipelines, on 4 connections with 32 requests in flight each, (a) Twalks of 16 names of 255 bytes (15
 * existing levels and a missing one: a partial Rwalk, no new fid) or (b) Treaddirs from offset 0 of a 100,000-entry
 * directory, of count 1 (no entry fits: refused and recorded) and of count 64 (one entry). Prints beta's median and p99 and the ratio of the medians, and alpha's requests answered.
 */
class CostlyRequestLatencyMeasure {
    private static final int CONNECTIONS = 4;
    private static final int IN_FLIGHT = 32;
    private static final int ROUND_TRIPS = 2000;
    private static final int ENTRIES = Integer.getInteger("p9gate.measure.entries", 100_000);
    private static final String LEVEL = "d".repeat(255);

    @TempDir
    Path tmp;

    @Test
    void measure() throws Exception {
        Assumptions.assumeTrue(Boolean.getBoolean("p9gate.measure"), "a measurement: -Dp9gate.measure=true");
        try (AuditedPolicyGateway rig = new AuditedPolicyGateway(tmp)) {
            Path deep = rig.policy.data;
            List<String> walk = new ArrayList<>();
            for (int i = 0; i < 15; i++) {
                deep = Files.createDirectory(deep.resolve(LEVEL));
                walk.add(LEVEL);
            }
            walk.add("m".repeat(255));
            Path big = Files.createDirectory(rig.policy.data.resolve("big"));
            for (int i = 0; i < ENTRIES; i++) {
                Files.createFile(big.resolve("entry-" + i));
            }
            try (P9Client beta = rig.beta()) {
                beta.timeout(Duration.ofSeconds(60));
                roundTrips(beta); // the JIT's warm-up
                long[] quiet = roundTrips(beta);
                long[] walks = underFlood(rig, beta, fid -> new TMessage.Twalk(0, 1000 + fid, walk), c -> {});
                long[] quietAgain = roundTrips(beta);
                long[] listings = underFlood(rig, beta, fid -> new TMessage.Treaddir(1, 0, 1), alpha -> {
                    alpha.walk(0, 1, "big");
                    alpha.lopen(1, 0);
                });
                long[] listings64 = underFlood(rig, beta, fid -> new TMessage.Treaddir(1, 0, 64), alpha -> {
                    alpha.walk(0, 1, "big");
                    alpha.lopen(1, 0);
                });
                // Ratios to the second quiet round: the first still ran partly interpreted (85-384 us medians seen).
                report("quiet", quiet, quietAgain);
                report("16x255-byte walks", walks, quietAgain);
                report("quiet again", quietAgain, quietAgain);
                report(ENTRIES + "-entry readdir count=1 offset 0 (EINVAL: no entry fits)", listings, quietAgain);
                report(ENTRIES + "-entry readdir count=64 offset 0 (one entry)", listings64, quietAgain);
            }
        }
    }

    private interface Setup {
        void on(P9Client alpha) throws Exception;
    }

    private static long[] underFlood(
            AuditedPolicyGateway rig, P9Client beta, IntFunction<TMessage> request, Setup setup) throws Exception {
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong answered = new AtomicLong();
        AtomicLong refusals = new AtomicLong();
        List<Thread> flood = new ArrayList<>();
        List<P9Client> alphas = new ArrayList<>();
        try {
            for (int c = 0; c < CONNECTIONS; c++) {
                P9Client alpha = rig.alpha();
                alpha.timeout(Duration.ofSeconds(120));
                setup.on(alpha);
                alphas.add(alpha);
                flood.add(Thread.ofPlatform().start(() -> {
                    List<PendingCall> calls = new ArrayList<>();
                    while (!stop.get()) {
                        for (int i = 0; i < IN_FLIGHT; i++) {
                            calls.add(alpha.send(request.apply(i)));
                        }
                        for (PendingCall call : calls) {
                            try {
                                alpha.await(call);
                            } catch (P9Exception refused) {
                                refusals.incrementAndGet(); // a Treaddir of count 1: no entry fits
                            } catch (Exception e) {
                                return;
                            }
                            answered.incrementAndGet();
                        }
                        calls.clear();
                    }
                }));
            }
            Thread.sleep(1000);
            long before = answered.get();
            long start = System.nanoTime();
            long[] times = roundTrips(beta);
            double seconds = (System.nanoTime() - start) / 1e9;
            System.out.printf(
                    "  alpha answered %.0f/s meanwhile (%d refused in all, %d threads left)%n",
                    (answered.get() - before) / seconds,
                    refusals.get(),
                    flood.stream().filter(Thread::isAlive).count());
            return times;
        } finally {
            stop.set(true);
            for (Thread t : flood) {
                t.join(Duration.ofMinutes(2));
            }
            alphas.forEach(P9Client::close);
        }
    }

    private static long[] roundTrips(P9Client beta) throws Exception {
        long[] times = new long[ROUND_TRIPS];
        for (int i = 0; i < ROUND_TRIPS; i++) {
            long start = System.nanoTime();
            beta.getattr(0, 0x7ff);
            times[i] = System.nanoTime() - start;
        }
        Arrays.sort(times);
        return times;
    }

    private static void report(String what, long[] times, long[] quiet) {
        long median = times[times.length / 2];
        System.out.printf(
                "%s: beta's Tgetattr median %d us, p99 %d us, median ratio to quiet again %.1f%n",
                what, median / 1000, times[times.length * 99 / 100] / 1000, (double) median / quiet[quiet.length / 2]);
    }
}
