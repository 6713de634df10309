package io.p9gate.gateway.server;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.invoke.MethodHandle;

/**
 * Lowers the calling thread's CPU priority: on Linux the nice value is a per-thread attribute
 * (setpriority(2) on the thread id), and raising it needs no privilege. Used by the worker pool's bulk
 * threads, so that a VM's flood yields the CPU to the others' requests.
 */
@SuppressWarnings("restricted") // FFM downcalls are the point of this class; the launcher enables native access.
final class ThreadNiceness {
    private static final int PRIO_PROCESS = 0;
    private static final MethodHandle GETTID;
    private static final MethodHandle GETPRIORITY;
    private static final MethodHandle SETPRIORITY;
    /** The lowest priority Linux has. */
    private static final int MAX_NICE = 19;

    static {
        Linker linker = Linker.nativeLinker();
        MethodHandle gettid = null;
        MethodHandle getpriority = null;
        MethodHandle setpriority = null;
        try {
            gettid = linker.downcallHandle(
                    linker.defaultLookup().findOrThrow("gettid"), FunctionDescriptor.of(JAVA_INT));
            getpriority = linker.downcallHandle(
                    linker.defaultLookup().findOrThrow("getpriority"),
                    FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
            setpriority = linker.downcallHandle(
                    linker.defaultLookup().findOrThrow("setpriority"),
                    FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
        } catch (RuntimeException e) {
            // Not glibc/Linux: the threads keep their priority.
        }
        GETTID = gettid;
        GETPRIORITY = getpriority;
        SETPRIORITY = setpriority;
    }

    private ThreadNiceness() {}

    /**
     * Lowers the calling thread's priority by {@code steps} nice levels from where it stands (at most to 19),
     * relative so that a gateway started under {@code nice} or systemd's {@code Nice=} keeps the same spread
     * between its prompt and bulk threads. False if the platform cannot (the thread keeps its priority).
     */
    static boolean lowerBy(int steps) {
        if (GETTID == null || GETPRIORITY == null || SETPRIORITY == null) {
            return false;
        }
        try {
            int tid = (int) GETTID.invokeExact();
            // glibc returns the nice value itself (-20..19); -1 is also a nice value, and for the calling
            // thread's own id the call cannot fail, so no errno check is needed.
            int now = (int) GETPRIORITY.invokeExact(PRIO_PROCESS, tid);
            return (int) SETPRIORITY.invokeExact(PRIO_PROCESS, tid, Math.min(MAX_NICE, now + steps)) == 0;
        } catch (Throwable t) {
            return false;
        }
    }
}
