package io.p9gate.gateway.policyadapter;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.concurrent.locks.LockSupport;

/**
 * Runs an action on every SIGHUP. Java has no public signal API: {@code sun.misc.Signal} (module
 * {@code jdk.unsupported}, kept by JEP 260 until a replacement exists) is the only way. javac reports every
 * compile-time reference to it as "internal proprietary API" with a mandatory warning that neither an
 * {@code -Xlint} key nor {@code @SuppressWarnings} turns off (JDK 25, also under {@code --release 25}), and the
 * build runs with {@code -Werror}; so it is bound here, by name, in this one class. {@code PolicyReloadTest} sends
 * a real SIGHUP through it, so a JDK without it fails that test rather than the compiler.
 */
@SuppressWarnings("restricted") // libc's signal(2) and pthread_sigmask(3); the launcher enables native access.
final class HangupSignal {
    private static final int SIGHUP = 1;
    /** pthread_sigmask's {@code how} (Linux). */
    private static final int SIG_BLOCK = 0;

    private static final int SIG_UNBLOCK = 1;
    /** sizeof(sigset_t) in glibc and musl: 1024 bits; SIGHUP is bit 0 of the first byte. */
    private static final long SIGSET_BYTES = 128;

    private HangupSignal() {}

    /** Installs {@code action} as the SIGHUP handler; the JVM runs it on its own signal thread. */
    static void onEach(Runnable action) {
        try {
            Class<?> signal = Class.forName("sun.misc.Signal");
            Class<?> handler = Class.forName("sun.misc.SignalHandler");
            Object hangup = signal.getConstructor(String.class).newInstance("HUP");
            Object onSignal = Proxy.newProxyInstance(
                    handler.getClassLoader(),
                    new Class<?>[] {handler},
                    (proxy, method, args) -> switch (method.getName()) {
                        case "handle" -> {
                            action.run();
                            yield null;
                        }
                        case "hashCode" -> System.identityHashCode(proxy);
                        case "equals" -> proxy == args[0];
                        default -> "SIGHUP handler";
                    });
            Method handle = signal.getMethod("handle", signal, handler);
            Object ignored = handler.getField("SIG_IGN").get(null);
            if (handle.invoke(null, hangup, onSignal) == ignored) {
                // SIGHUP was ignored when the JVM started (nohup, a parent that ignores it): the JVM then installs
                // no handler and says nothing, and every reload is lost. A gateway's SIGHUP means reload: take
                // the signal back (its default), then install the handler for real.
                restoreDefault();
                if (handle.invoke(null, hangup, onSignal) == ignored) {
                    throw new IllegalStateException("cannot handle SIGHUP: it stays ignored");
                }
                receiveIfBlocked();
            }
        } catch (InvocationTargetException e) {
            // Signal.handle refuses a signal the JVM keeps for itself (e.g. under -Xrs): say which, in one line.
            throw new IllegalStateException(
                    "cannot handle SIGHUP: " + e.getCause().getMessage(), e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("this JDK has no sun.misc.Signal (module jdk.unsupported): " + e, e);
        }
    }

    /**
     * The JVM unblocks in its threads only the signals it handles from its start, not one ignored then: a parent
     * that ignored SIGHUP and also blocked it (its signal mask, which every thread inherits) left it blocked in
     * every thread, so the handler never ran and each SIGHUP stayed pending. One thread that unblocks it and waits
     * for good is where the kernel delivers it; the handler still runs on the JVM's signal thread.
     */
    private static void receiveIfBlocked() {
        if (!sighupBlocked(SIG_BLOCK, false)) {
            return;
        }
        Thread.ofPlatform().daemon().name("SIGHUP receiver").start(() -> {
            sighupBlocked(SIG_UNBLOCK, true);
            while (true) {
                LockSupport.park();
            }
        });
    }

    /** pthread_sigmask(how, {SIGHUP} or {}) for this thread: whether SIGHUP was blocked before. */
    private static boolean sighupBlocked(int how, boolean sighup) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment set = arena.allocate(SIGSET_BYTES); // zeroed: the empty set
            MemorySegment before = arena.allocate(SIGSET_BYTES);
            if (sighup) {
                set.set(ValueLayout.JAVA_BYTE, 0, (byte) (1 << (SIGHUP - 1)));
            }
            if ((int) libc(
                                    "pthread_sigmask",
                                    ValueLayout.JAVA_INT,
                                    ValueLayout.JAVA_INT,
                                    ValueLayout.ADDRESS,
                                    ValueLayout.ADDRESS)
                            .invokeExact(how, set, before)
                    != 0) {
                throw new IllegalStateException("cannot handle SIGHUP: pthread_sigmask(3) failed");
            }
            return (before.get(ValueLayout.JAVA_BYTE, 0) & (1 << (SIGHUP - 1))) != 0;
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("cannot handle SIGHUP: " + t, t);
        }
    }

    /** signal(SIGHUP, SIG_DFL). */
    private static void restoreDefault() {
        try {
            MemorySegment previous =
                    (MemorySegment) libc("signal", ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.ADDRESS)
                            .invokeExact(SIGHUP, MemorySegment.NULL);
            if (previous.address() == -1L) { // SIG_ERR
                throw new IllegalStateException("cannot handle SIGHUP: signal(2) failed");
            }
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("cannot handle SIGHUP: " + t, t);
        }
    }

    private static MethodHandle libc(String name, MemoryLayout returns, MemoryLayout... args) {
        Linker linker = Linker.nativeLinker();
        return linker.downcallHandle(linker.defaultLookup().findOrThrow(name), FunctionDescriptor.of(returns, args));
    }
}
