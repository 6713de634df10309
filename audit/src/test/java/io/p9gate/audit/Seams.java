package io.p9gate.audit;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/** Test tools for the log's {@link CheckpointObserver} seam: hold its thread, or make the next fsync fail. */
final class Seams {
    private Seams() {}

    /** Holds the thread that reaches {@link #holdIfArmed} while armed, until {@link #release}. */
    static final class Hold {
        private final AtomicBoolean armed = new AtomicBoolean();
        private final CountDownLatch held = new CountDownLatch(1);
        private final CountDownLatch release = new CountDownLatch(1);

        void arm() {
            armed.set(true);
        }

        /** Called from the seam: blocks the first arrival while armed (it disarms), until released. */
        void holdIfArmed() {
            if (armed.compareAndSet(true, false)) {
                held.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }

        void awaitHeld() throws InterruptedException {
            held.await();
        }

        void release() {
            release.countDown();
        }
    }

    /** An observer whose next {@code forced} call throws, once {@code armed} is set. */
    static CheckpointObserver failNextFsync(AtomicBoolean armed, Supplier<? extends Throwable> failure) {
        return new CheckpointObserver() {
            @Override
            public void forced(long durableRecords) {
                if (armed.compareAndSet(true, false)) {
                    Throwable t = failure.get();
                    if (t instanceof RuntimeException r) {
                        throw r;
                    }
                    throw (Error) t;
                }
            }
        };
    }
}
