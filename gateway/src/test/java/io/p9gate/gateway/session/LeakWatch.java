package io.p9gate.gateway.session;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Collects Netty's "LEAK:" reports (PARANOID level tracks every buffer). Netty notices a leak
 * only after the buffer was garbage collected and another buffer is allocated, so
 * {@link #collect()} forces both. A report proves a leak; silence is strong evidence, not proof.
 */
final class LeakWatch implements AutoCloseable {
    private final Logger logger = Logger.getLogger(ResourceLeakDetector.class.getName());
    private final List<String> leaks = new CopyOnWriteArrayList<>();
    private final ResourceLeakDetector.Level previous = ResourceLeakDetector.getLevel();
    private final Handler handler = new Handler() {
        @Override
        public void publish(LogRecord record) {
            if (record.getMessage() != null && record.getMessage().contains("LEAK")) {
                leaks.add(record.getMessage());
            }
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
    };

    LeakWatch() throws InterruptedException {
        // Earlier tests' garbage (this JVM runs many classes) is reported before the watch starts,
        // so a leak caught here was made by the watched code. PARANOID first: below it, an allocation
        // looks for collected buffers only when it is sampled (1 in 128).
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.PARANOID);
        nudgeDetector();
        logger.addHandler(handler);
    }

    /** Leak reports so far, after giving the detector a chance to see collected buffers. */
    List<String> collect() throws InterruptedException {
        nudgeDetector();
        return List.copyOf(leaks);
    }

    private static void nudgeDetector() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(50);
            for (int j = 0; j < 64; j++) {
                ByteBuf probe = PooledByteBufAllocator.DEFAULT.buffer(16);
                probe.release();
            }
        }
    }

    @Override
    public void close() {
        logger.removeHandler(handler);
        ResourceLeakDetector.setLevel(previous);
    }
}
