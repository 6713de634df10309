package io.p9gate.audit;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;

/**
 * The free inodes of the log's file system ({@code statvfs(3)}'s {@code f_favail}, FFM: {@code FileStore} has no
 * inode counts). The log takes one at each rotation (its spare segment file is made anew), so guests' new files,
 * directories and links on that file system are kept out of a reserve of them ({@link DiskBudget}).
 */
@SuppressWarnings("restricted") // FFM downcalls are the point of this class; the launchers enable native access.
final class FreeInodes {
    /** Returned for a file system that does not count inodes (f_files 0: btrfs, some network ones): no limit. */
    static final long UNCOUNTED = Long.MAX_VALUE;

    /** struct statvfs on 64-bit Linux: eleven 8-byte fields and six spare ints; f_files at 40, f_favail at 56. */
    private static final long SIZE = 112;

    private static final long FILES = 40;
    private static final long FAVAIL = 56;

    private FreeInodes() {}

    /** Reads the free inodes of {@code dir}'s file system at every call; 0 (none, fail closed; logged once) if not. */
    static LongSupplier of(Path dir, System.Logger log) {
        byte[] path = (dir.toAbsolutePath() + "\0").getBytes(StandardCharsets.UTF_8);
        AtomicBoolean reported = new AtomicBoolean();
        return () -> {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment buf = arena.allocate(SIZE, 8);
                int rc = (int) Statvfs.CALL.invokeExact(arena.allocateFrom(JAVA_BYTE, path), buf);
                if (rc != 0) {
                    throw new IllegalStateException("statvfs failed");
                }
                return buf.get(JAVA_LONG, FILES) == 0 ? UNCOUNTED : buf.get(JAVA_LONG, FAVAIL);
            } catch (Throwable e) {
                if (reported.getAndSet(true)) {
                    return 0; // read at every change near the reserve: said once
                }
                SafeLog.report(
                        log,
                        System.Logger.Level.WARNING,
                        "audit log: cannot read the free inodes of its file system, taken as none: " + e);
                return 0;
            }
        };
    }

    /** Linked on first use: a log without a free-space reserve never reads inodes. */
    private static final class Statvfs {
        static final MethodHandle CALL;

        static {
            Linker linker = Linker.nativeLinker();
            CALL = linker.downcallHandle(
                    linker.defaultLookup().find("statvfs").orElseThrow(),
                    FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        }
    }
}
