package io.p9gate.gateway.budget;

import io.netty.util.internal.PlatformDependent;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;
import java.util.stream.Stream;

/**
 * What the process has to share among its VMs: its descriptor limit (RLIMIT_NOFILE) and how many descriptors
 * it already holds, its heap and its direct memory (where Netty keeps request and reply frames).
 *
 * <p>The descriptor figures come from /proc, not from java.management's OperatingSystemMXBean: the packaged
 * runtime links only the modules the gateway needs (packaging.RuntimeImage), and that one is not among them.
 */
public record HostResources(long maxDescriptors, long openDescriptors, long maxHeap, long maxDirect) {
    /** Assumed when /proc cannot tell: Linux's usual soft limit. */
    private static final long FALLBACK_MAX_DESCRIPTORS = 1024;

    private static final String MAX_OPEN_FILES = "Max open files";

    public static HostResources current() {
        long max = FALLBACK_MAX_DESCRIPTORS;
        long open = 0;
        try {
            max = softOpenFiles(Files.readString(Path.of("/proc/self/limits"))).orElse(FALLBACK_MAX_DESCRIPTORS);
            try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
                open = Math.max(0, fds.count() - 1); // the listing's own descriptor
            }
        } catch (IOException | UncheckedIOException e) {
            // Not Linux, or /proc not mounted: the fallback limit, and nothing held yet.
        }
        return new HostResources(max, open, Runtime.getRuntime().maxMemory(), PlatformDependent.maxDirectMemory());
    }

    /** The soft limit of the "Max open files" line of /proc/PID/limits; empty if absent or "unlimited". */
    static OptionalLong softOpenFiles(String limits) {
        return limits.lines()
                .filter(line -> line.startsWith(MAX_OPEN_FILES))
                .map(line -> line.substring(MAX_OPEN_FILES.length()).strip().split("\\s+")[0])
                .filter(soft -> soft.chars().allMatch(Character::isDigit) && !soft.isEmpty())
                .mapToLong(Long::parseLong)
                .findFirst();
    }
}
