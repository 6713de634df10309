package io.p9gate.gateway.budget;

import io.netty.util.internal.PlatformDependent;
import java.lang.management.ManagementFactory;

/**
 * What the process has to share among its VMs: its descriptor limit (RLIMIT_NOFILE) and how many descriptors
 * it already holds, its heap and its direct memory (where Netty keeps request and reply frames).
 */
public record HostResources(long maxDescriptors, long openDescriptors, long maxHeap, long maxDirect) {
    /** Assumed when the JVM cannot tell (not a Unix JVM): Linux's usual soft limit. */
    private static final long FALLBACK_MAX_DESCRIPTORS = 1024;

    public static HostResources current() {
        long max = FALLBACK_MAX_DESCRIPTORS;
        long open = 0;
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.UnixOperatingSystemMXBean os) {
            max = os.getMaxFileDescriptorCount();
            open = os.getOpenFileDescriptorCount();
        }
        return new HostResources(max, open, Runtime.getRuntime().maxMemory(), PlatformDependent.maxDirectMemory());
    }
}
