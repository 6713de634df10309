package io.p9gate.gateway.adversarial;

import io.p9gate.gateway.backend.FileIo;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Holds the VM's writes on the host (FileIo's seam) until the test lets them go, for tests of what a stop or a reload
 * does to a connection whose Twrite is in flight. Registered as an extension, it lets held writes go and removes the
 * seam after each test, whatever the test asserted.
 */
public final class HostWritesHeld implements AfterEachCallback {
    /** Bounds a hold whose test failed before letting it go; nothing is asserted about time. */
    private static final long HOLD_BOUND_SECONDS = 30;

    private volatile CountDownLatch released = new CountDownLatch(1);

    /** Holds each write before its pwrite: its bytes not on the host yet. Counts down as each reaches the host. */
    public CountDownLatch beforeTheirBytes(int writes) {
        CountDownLatch held = new CountDownLatch(writes);
        FileIo.whileWriting(() -> hold(held), () -> {});
        return held;
    }

    /** Holds each write after its pwrite: its bytes on the host, its reply not made. Counts down as each does. */
    public CountDownLatch afterTheirBytes(int writes) {
        CountDownLatch held = new CountDownLatch(writes);
        FileIo.whileWriting(() -> {}, () -> hold(held));
        return held;
    }

    /** Lets the held writes, and any to come, go on. */
    public void release() {
        released.countDown();
    }

    private void hold(CountDownLatch held) {
        held.countDown();
        try {
            released.await(HOLD_BOUND_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void afterEach(ExtensionContext context) {
        FileIo.whileWriting(null, null);
        release();
        released = new CountDownLatch(1);
    }
}
