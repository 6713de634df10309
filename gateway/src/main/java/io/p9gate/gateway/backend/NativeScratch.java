package io.p9gate.gateway.backend;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;

/**
 * A platform thread's own native memory for the small arguments of its system calls (errno capture, C strings,
 * stat buffers), reused call after call: a confined arena per call cost a session, a malloc, a free and the cleanup
 * list's nodes, ~190 bytes of garbage per system call and the largest allocation left in the backend (issue 11).
 * Frames nest (a helper that makes a call inside another's body gets the memory above its caller's); what does not
 * fit goes into a confined arena of that frame, closed with it. A segment must not outlive its frame: unlike a
 * closed arena's, its memory is reused by the next call, not unmapped. Virtual threads get none (one buffer per
 * short-lived virtual thread would cost more than the arena): {@link #enter()} returns null and the caller opens an
 * arena as before.
 */
final class NativeScratch implements SegmentAllocator {
    /** Holds a statx buffer, two PATH_MAX names and a readlinkat buffer of 4 KiB. */
    static final long SIZE = 16 * 1024;
    /** Deeper nesting than any helper of {@link LinuxSyscalls} needs: beyond it, an arena per call. */
    static final int MAX_DEPTH = 4;

    private static final ThreadLocal<NativeScratch> OWN = ThreadLocal.withInitial(NativeScratch::new);

    /** Freed by the GC once the thread (which holds the only reference, through OWN) is gone. */
    private final MemorySegment memory = Arena.ofAuto().allocate(SIZE, 16);

    private final long[] marks = new long[MAX_DEPTH];
    private final Arena[] overflow = new Arena[MAX_DEPTH];
    private long top;
    private int depth;

    private NativeScratch() {}

    /** Opens a frame on this thread's scratch; null on a virtual thread or beyond {@link #MAX_DEPTH}. */
    static NativeScratch enter() {
        if (Thread.currentThread().isVirtual()) {
            return null;
        }
        NativeScratch scratch = OWN.get();
        if (scratch.depth == MAX_DEPTH) {
            return null;
        }
        scratch.marks[scratch.depth++] = scratch.top;
        return scratch;
    }

    /** Closes the innermost frame: its memory is reused by the next, its overflow arena (if any) closed. */
    void exit() {
        int frame = --depth;
        top = marks[frame];
        Arena spill = overflow[frame];
        if (spill != null) {
            overflow[frame] = null;
            spill.close();
        }
    }

    /** Zeroed memory of the innermost frame, as an arena's would be. */
    @Override
    public MemorySegment allocate(long byteSize, long byteAlignment) {
        long base = memory.address();
        long start = ((base + top + byteAlignment - 1) & -byteAlignment) - base;
        if (depth == 0 || start + byteSize > SIZE) {
            return spill().allocate(byteSize, byteAlignment);
        }
        top = start + byteSize;
        return memory.asSlice(start, byteSize).fill((byte) 0);
    }

    private Arena spill() {
        if (depth == 0) {
            throw new IllegalStateException("native scratch used outside a frame");
        }
        Arena arena = overflow[depth - 1];
        if (arena == null) {
            arena = Arena.ofConfined();
            overflow[depth - 1] = arena;
        }
        return arena;
    }
}
