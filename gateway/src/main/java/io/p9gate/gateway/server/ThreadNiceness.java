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
    private static final MethodHandle SETPRIORITY;

    static {
        Linker linker = Linker.nativeLinker();
        MethodHandle gettid = null;
        MethodHandle setpriority = null;
        try {
            gettid = linker.downcallHandle(
                    linker.defaultLookup().findOrThrow("gettid"), FunctionDescriptor.of(JAVA_INT));
            setpriority = linker.downcallHandle(
                    linker.defaultLookup().findOrThrow("setpriority"),
                    FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
        } catch (RuntimeException e) {
            // Not glibc/Linux: the threads keep their priority.
        }
        GETTID = gettid;
        SETPRIORITY = setpriority;
    }

    private ThreadNiceness() {}

    /** Sets the calling thread's nice value; false if the platform cannot (the thread keeps its priority). */
    static boolean set(int nice) {
        if (GETTID == null || SETPRIORITY == null) {
            return false;
        }
        try {
            int tid = (int) GETTID.invokeExact();
            return (int) SETPRIORITY.invokeExact(PRIO_PROCESS, tid, nice) == 0;
        } catch (Throwable t) {
            return false;
        }
    }
}
