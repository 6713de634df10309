package io.p9gate.gateway.adversarial;

import io.netty.util.internal.PlatformDependent;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;

/** What the test process holds of the memory a VM's frames come from: what the frame-memory bounds are about. */
final class ProcessMemory {
    private ProcessMemory() {}

    /** The process's direct memory: Netty's own count (buffers without a cleaner) and the JDK's. */
    static long direct() {
        long netty = Math.max(0, PlatformDependent.usedDirectMemory());
        long jdk = ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
                .filter(pool -> "direct".equals(pool.getName()))
                .mapToLong(BufferPoolMXBean::getMemoryUsed)
                .sum();
        return netty + jdk;
    }

    /** Heap in use after a collection (what is held, not garbage), and the direct memory. */
    static long heldHeapAndDirect() {
        System.gc();
        System.gc();
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() + direct();
    }
}
