package io.p9gate.gateway.backend;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * A platform thread's own getdents64 buffer, reused by every directory read on that thread: a confined arena per
 * read cost its session and cleanup list on the heap (40-180 bytes), a malloc, a zero fill of up to the count and a
 * free. Made on a thread's first read and freed by the GC once the thread is gone, so the gateway holds at most
 * one per thread that has read a directory ({@value #SIZE} bytes each). A fill needing more entries than one
 * buffer holds reads again. Virtual threads get none (one buffer per short-lived virtual thread would cost more
 * than the arena): the caller opens an arena as before.
 */
final class DirentBuffer {
    /** Entries of about 1,500 names of 20 bytes per getdents64. */
    static final int SIZE = 64 * 1024;

    private static final ThreadLocal<MemorySegment> OWN =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(SIZE, 8));

    private DirentBuffer() {}

    /** This platform thread's buffer, or null on a virtual thread. Not for a read nested inside another. */
    static MemorySegment own() {
        return Thread.currentThread().isVirtual() ? null : OWN.get();
    }
}
