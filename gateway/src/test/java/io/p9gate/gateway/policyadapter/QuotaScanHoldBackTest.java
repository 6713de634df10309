package io.p9gate.gateway.policyadapter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.fs.Quotas;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * How a request waits for a reload's scan of its VM's quota scopes without a thread (VmQuotas.changingOrLater): held
 * back while the scan waits or runs, it goes on once the scan ends or stops waiting for the requests under way; a
 * request that holds it takes {@link Quotas#changing()} again at once, even with a scan waiting (else each request
 * judged before it started would wait for the scan inside, then the scan 5 s for it).
 */
class QuotaScanHoldBackTest {
    private static final String VM = "alpha";
    /** Only bounds how long a broken build takes to fail. */
    private static final long PATIENCE_SECONDS = 30;

    private final VmQuotas quotas = new VmQuotas();
    private final CountDownLatch scanGoes = new CountDownLatch(1);
    private Thread scan;

    @AfterEach
    void endScan() throws InterruptedException {
        scanGoes.countDown();
        if (scan != null) {
            scan.join(TimeUnit.SECONDS.toMillis(PATIENCE_SECONDS));
        }
    }

    @Test
    void aRequestHeldBackByAScanGoesOnOnceItEnds() throws Exception {
        CountDownLatch scanning = startScan();
        assertTrue(scanning.await(PATIENCE_SECONDS, TimeUnit.SECONDS));
        AtomicInteger resumed = new AtomicInteger();

        assertNull(quotas.changingOrLater(resumed::incrementAndGet), "held back while the scan runs");
        assertEquals(0, resumed.get());
        scanGoes.countDown();
        scan.join(TimeUnit.SECONDS.toMillis(PATIENCE_SECONDS));

        assertEquals(1, resumed.get(), "told once, when the scan ended");
        try (Quotas.Changing held = quotas.changingOrLater(resumed::incrementAndGet)) {
            assertNotNull(held, "starts at once after it");
        }
    }

    @Test
    void aRequestHeldBackGoesOnWhenTheScanStopsWaitingForOneUnderWay() throws Exception {
        CountDownLatch underWay = new CountDownLatch(1);
        CountDownLatch hostLetsGo = new CountDownLatch(1);
        Thread blocked = Thread.ofPlatform().start(() -> {
            try (Quotas.Changing _ = quotas.changing()) {
                underWay.countDown();
                hostLetsGo.await(PATIENCE_SECONDS, TimeUnit.SECONDS); // a request the host blocks
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        try {
            assertTrue(underWay.await(PATIENCE_SECONDS, TimeUnit.SECONDS));
            CountDownLatch scanning = startScan();
            awaitHeldBack();
            CountDownLatch resumed = new CountDownLatch(1);
            assertNull(quotas.changingOrLater(resumed::countDown), "held back while the scan waits");

            assertTrue(
                    resumed.await(VmQuotas.SCAN_WAIT_SECONDS + PATIENCE_SECONDS, TimeUnit.SECONDS),
                    "goes on once the scan goes ahead without waiting");
            assertTrue(scanning.await(PATIENCE_SECONDS, TimeUnit.SECONDS), "the scan went ahead");
            assertTrue(blocked.isAlive(), "the request under way still runs");
        } finally {
            hostLetsGo.countDown();
            blocked.join();
        }
    }

    @Test
    void aRequestHoldingItTakesItAgainWhileAScanWaits() throws Exception {
        try (Quotas.Changing started = quotas.changingOrLater(null)) {
            assertNotNull(started);
            CountDownLatch scanning = startScan();
            // Asked from another thread: this one holds it, and takes it again whatever waits.
            CompletableFuture.runAsync(this::awaitHeldBack).get(PATIENCE_SECONDS, TimeUnit.SECONDS);
            long before = System.nanoTime();
            try (Quotas.Changing _ = quotas.changing()) {
                assertTrue(
                        System.nanoTime() - before < TimeUnit.SECONDS.toNanos(VmQuotas.SCAN_WAIT_SECONDS),
                        "taken again without waiting for the scan");
            }
            assertEquals(1, scanning.getCount(), "the scan still waits for the request");
        }
    }

    @Test
    void anInterruptedThreadIsHeldBackWithoutWaitingForTheScan() throws Exception {
        CountDownLatch scanning = startScan();
        assertTrue(scanning.await(PATIENCE_SECONDS, TimeUnit.SECONDS));
        AtomicInteger resumed = new AtomicInteger();
        CompletableFuture<Quotas.Changing> asked = new CompletableFuture<>();
        CompletableFuture<Boolean> stillInterrupted = new CompletableFuture<>();
        Thread worker = Thread.ofPlatform().start(() -> {
            Thread.currentThread().interrupt(); // as a worker whose pool is shutting down now
            asked.complete(quotas.changingOrLater(resumed::incrementAndGet));
            stillInterrupted.complete(Thread.currentThread().isInterrupted());
        });
        try {
            // Bounded well below the scan's own patience: a thread waiting for the scan's end would not answer.
            assertNull(asked.get(PATIENCE_SECONDS / 3, TimeUnit.SECONDS), "held back, not waiting for the scan");
            assertTrue(stillInterrupted.get(PATIENCE_SECONDS, TimeUnit.SECONDS), "its interrupt kept for its owner");
            assertEquals(0, resumed.get());
        } finally {
            scanGoes.countDown();
            scan.join(TimeUnit.SECONDS.toMillis(PATIENCE_SECONDS));
            worker.join(TimeUnit.SECONDS.toMillis(PATIENCE_SECONDS));
        }
        assertEquals(1, resumed.get(), "told once, when the scan ended");
    }

    /** Starts a scan of the VM that runs until {@link #scanGoes}; counted down once it runs. */
    private CountDownLatch startScan() {
        CountDownLatch scanning = new CountDownLatch(1);
        scan = Thread.ofPlatform().start(() -> {
            try {
                quotas.whileScanning(VM, () -> {
                    scanning.countDown();
                    try {
                        scanGoes.await(PATIENCE_SECONDS, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    return null;
                });
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        return scanning;
    }

    /** Until the scan waits for the requests under way: a new one is held back (asked without a callback). */
    private void awaitHeldBack() {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(PATIENCE_SECONDS);
        while (System.nanoTime() < deadline) {
            Quotas.Changing tried = quotas.changingOrLater(null);
            if (tried == null) {
                return;
            }
            tried.close();
            LockSupport.parkNanos(1_000_000);
        }
        throw new AssertionError("the scan never waited");
    }
}
