package io.p9gate.gateway.testing;

import io.p9gate.gateway.backend.LinuxSyscalls;
import io.p9gate.gateway.proto.P9Exception;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A host-side attacker for confinement tests: a thread that keeps atomically exchanging two
 * entries (typically a directory in the share and a symlink to an outside directory) until closed.
 */
public final class HostSwapper implements AutoCloseable {
    private final AtomicBoolean stop = new AtomicBoolean();
    private final AtomicInteger swaps = new AtomicInteger();
    private final Thread thread;

    public HostSwapper(Path a, Path b) {
        thread = new Thread(
                () -> {
                    while (!stop.get()) {
                        try {
                            LinuxSyscalls.renameat2(
                                    LinuxSyscalls.AT_FDCWD,
                                    a.toString(),
                                    LinuxSyscalls.AT_FDCWD,
                                    b.toString(),
                                    LinuxSyscalls.RENAME_EXCHANGE);
                            swaps.incrementAndGet();
                        } catch (P9Exception e) {
                            throw new IllegalStateException(e);
                        }
                    }
                },
                "host-swapper");
        thread.start();
    }

    /** Exchanges done so far (a test asserts the race really happened). */
    public int swaps() {
        return swaps.get();
    }

    @Override
    public void close() {
        stop.set(true);
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // the swapper stops on its own once it sees the flag
        }
    }
}
