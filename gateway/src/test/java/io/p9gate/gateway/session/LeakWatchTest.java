package io.p9gate.gateway.session;

import static org.junit.jupiter.api.Assertions.assertFalse;

import io.netty.buffer.PooledByteBufAllocator;
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
}
