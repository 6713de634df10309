package io.p9gate.gateway.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The per-thread scratch memory of the system calls: a helper's call inside another call's body (a nested frame)
 * must not reuse its caller's memory, what does not fit must still be served and released with its frame, and a
 * virtual thread gets none (its calls fall back to an arena each).
 */
class NativeScratchTest {
    @TempDir
    Path tmp;

    @Test
    void aNestedFrameGetsMemoryAboveItsCallersAndLeavesItIntact() {
        NativeScratch outer = NativeScratch.enter();
        assertNotNull(outer);
        try {
            MemorySegment mine = outer.allocateFrom("outer's name");
            NativeScratch inner = NativeScratch.enter();
            assertNotNull(inner);
            try {
                MemorySegment theirs = inner.allocate(64);
                assertTrue(
                        theirs.address() >= mine.address() + mine.byteSize(), "the inner frame overlaps its caller's");
                theirs.fill((byte) 'x');
            } finally {
                inner.exit();
            }
            assertEquals("outer's name", mine.getString(0));
            MemorySegment next = outer.allocate(8);
            assertTrue(next.address() >= mine.address() + mine.byteSize(), "the outer frame reuses its own memory");
        } finally {
            outer.exit();
        }
    }

    @Test
    void whatDoesNotFitIsServedAndReleasedWithItsFrame() {
        NativeScratch scratch = NativeScratch.enter();
        assertNotNull(scratch);
        MemorySegment big;
        try {
            big = scratch.allocate(NativeScratch.SIZE + 1);
            big.set(ValueLayout.JAVA_BYTE, NativeScratch.SIZE, (byte) 1);
            assertEquals(0, big.get(ValueLayout.JAVA_BYTE, 0), "not zeroed");
            assertTrue(big.scope().isAlive());
        } finally {
            scratch.exit();
        }
        assertFalse(big.scope().isAlive(), "the frame's overflow arena stayed open");
    }

    @Test
    void framesBeyondTheDepthLimitGetNoScratch() {
        NativeScratch[] frames = new NativeScratch[NativeScratch.MAX_DEPTH];
        try {
            for (int i = 0; i < frames.length; i++) {
                frames[i] = NativeScratch.enter();
                assertNotNull(frames[i]);
            }
            assertNull(NativeScratch.enter(), "a frame beyond the limit");
        } finally {
            for (int i = frames.length - 1; i >= 0; i--) {
                if (frames[i] != null) {
                    frames[i].exit();
                }
            }
        }
    }

    @Test
    void aVirtualThreadGetsNoScratchAndItsCallsStillWork() throws Exception {
        Path file = Files.writeString(tmp.resolve("f"), "x");
        AtomicReference<Object> seen = new AtomicReference<>();
        Thread.ofVirtual()
                .start(() -> {
                    try {
                        if (NativeScratch.enter() != null) {
                            seen.set("a virtual thread got scratch memory");
                            return;
                        }
                        seen.set(Inodes.statOfHostPath(file.toString()).type());
                    } catch (Exception e) {
                        seen.set(e);
                    }
                })
                .join();
        assertEquals(FileType.REGULAR, seen.get());
    }
}
