package io.p9gate.gateway.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
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

    /** A link target of PATH_MAX - 1 bytes, the longest symlink(2) takes: readlinkat's first buffer holds it exactly. */
    private static final String LONGEST_TARGET = "t/".repeat(2047) + "t";

    /**
     * Failed system calls (the errno path of each frame) leave no frame open: a frame left behind would push every
     * later call's memory up until the thread's scratch is used up, or leave a nested frame's memory to its caller.
     */
    @Test
    void failedCallsLeaveNoFrameBehind() throws Exception {
        Path link = Files.createSymbolicLink(tmp.resolve("l"), Path.of(LONGEST_TARGET));
        Path file = Files.writeString(tmp.resolve("f"), "x");
        onAPlatformThread(() -> {
            long base = firstAddressOfAFrame();
            for (int i = 0; i < 100; i++) {
                P9Exception missing =
                        assertThrows(P9Exception.class, () -> Inodes.statOfHostPath(tmp.resolve("none") + ""));
                assertEquals(Errno.ENOENT, missing.errno());
                P9Exception notALink = assertThrows(
                        P9Exception.class, () -> LinuxSyscalls.readlinkat(LinuxSyscalls.AT_FDCWD, file.toString()));
                assertEquals(Errno.EINVAL, notALink.errno());
                assertEquals(LONGEST_TARGET, LinuxSyscalls.readlinkat(LinuxSyscalls.AT_FDCWD, link.toString()));
            }
            assertEquals(base, firstAddressOfAFrame(), "a frame was left open");
            List<NativeScratch> frames = new ArrayList<>();
            try {
                for (int i = 0; i < NativeScratch.MAX_DEPTH; i++) {
                    frames.add(NativeScratch.enter());
                }
                assertTrue(frames.stream().allMatch(f -> f != null), "fewer frames left than MAX_DEPTH");
            } finally {
                frames.reversed().stream().filter(f -> f != null).forEach(NativeScratch::exit);
            }
        });
    }

    /**
     * A system call made inside a frame (a nested one: its capture, name and link buffer) leaves its caller's memory
     * as it was, whether the call's memory fits above it, spills into the nested frame's arena, or (at the depth
     * limit) comes from an arena of its own; and the call reads its own result intact.
     */
    @Test
    void aSystemCallInsideAFrameLeavesItsCallersMemoryIntact() throws Exception {
        Path link = Files.createSymbolicLink(tmp.resolve("l"), Path.of(LONGEST_TARGET));
        String name = link.toString();
        onAPlatformThread(() -> {
            // Room left above the caller's memory: plenty, too little for a 4 KiB buffer, none at all.
            for (long left : new long[] {NativeScratch.SIZE / 2, 4096 + 64, 1, 0}) {
                NativeScratch outer = NativeScratch.enter();
                assertNotNull(outer);
                try {
                    MemorySegment mine = outer.allocate(NativeScratch.SIZE - left, 1);
                    mine.fill((byte) 0x5a);
                    assertEquals(LONGEST_TARGET, LinuxSyscalls.readlinkat(LinuxSyscalls.AT_FDCWD, name));
                    assertEquals(FileType.SYMLINK, Inodes.statOfHostPath(name).type());
                    assertEquals(-1L, mine.mismatch(sameBytes(mine.byteSize())), "overwritten with " + left + " left");
                } finally {
                    outer.exit();
                }
            }
            List<NativeScratch> frames = new ArrayList<>();
            try {
                for (int i = 0; i < NativeScratch.MAX_DEPTH; i++) {
                    NativeScratch frame = NativeScratch.enter();
                    frames.add(frame);
                    frame.allocate(NativeScratch.SIZE / NativeScratch.MAX_DEPTH, 1)
                            .fill((byte) 0x5a);
                }
                assertEquals(LONGEST_TARGET, LinuxSyscalls.readlinkat(LinuxSyscalls.AT_FDCWD, name));
            } finally {
                frames.reversed().forEach(NativeScratch::exit);
            }
        });
    }

    private static MemorySegment sameBytes(long size) {
        MemorySegment expected = MemorySegment.ofArray(new byte[(int) size]);
        return expected.fill((byte) 0x5a);
    }

    /** The address the first allocation of an outermost frame gets: the scratch's own start while none is open. */
    private static long firstAddressOfAFrame() {
        NativeScratch frame = NativeScratch.enter();
        assertNotNull(frame);
        try {
            return frame.allocate(1, 1).address();
        } finally {
            frame.exit();
        }
    }

    @FunctionalInterface
    private interface Body {
        void run() throws Exception;
    }

    /** Runs {@code body} on a new platform thread (a scratch of its own, no frame open) and rethrows what it threw. */
    private static void onAPlatformThread(Body body) throws Exception {
        AtomicReference<Throwable> failed = new AtomicReference<>();
        Thread thread = Thread.ofPlatform().start(() -> {
            try {
                body.run();
            } catch (Throwable t) {
                failed.set(t);
            }
        });
        thread.join();
        if (failed.get() instanceof Exception e) {
            throw e;
        }
        if (failed.get() instanceof Error e) {
            throw e;
        }
    }
}
