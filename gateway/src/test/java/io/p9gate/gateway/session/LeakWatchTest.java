package io.p9gate.gateway.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.netty.buffer.PooledByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The fuzz test's leak check must be able to fail: a deliberately dropped buffer is reported. */
class LeakWatchTest {
    @Test
    void aDroppedBufferIsReported() throws Exception {
        try (LeakWatch watch = new LeakWatch()) {
            for (int i = 0; i < 10; i++) {
                PooledByteBufAllocator.DEFAULT.buffer(64).writeInt(i); // never released
            }
            assertFalse(watch.collect().isEmpty());
        }
    }

    /** A buffer an earlier test dropped (the suite shares one JVM) is not blamed on the watched code. */
    @Test
    void anEarlierTestsLeakIsNotReported() throws Exception {
        ResourceLeakDetector.Level before = ResourceLeakDetector.getLevel();
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.PARANOID);
        try {
            for (int i = 0; i < 10; i++) {
                PooledByteBufAllocator.DEFAULT.buffer(64).writeInt(i); // an earlier test's leak
            }
        } finally {
            ResourceLeakDetector.setLevel(before);
        }
        try (LeakWatch watch = new LeakWatch()) {
            assertEquals(List.of(), watch.collect());
        }
    }
}
