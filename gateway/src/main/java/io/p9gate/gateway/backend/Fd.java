package io.p9gate.gateway.backend;

import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A reference-counted OS file descriptor. Several requests of one session run at once, so a
 * clunk may race a read on the same fid: the number is closed only when the last user is done,
 * which keeps a reused descriptor number from ever being read or written by a stale request.
 */
final class Fd {
    private final int fd;
    private final AtomicInteger refs = new AtomicInteger(1);
    private volatile Runnable afterClose;

    Fd(int fd) {
        this.fd = fd;
    }

    @FunctionalInterface
    interface FdCall<T> {
        T apply(int fd) throws P9Exception;
    }

    /** Runs {@code call} with the descriptor held open for its whole duration. */
    <T> T use(FdCall<T> call) throws P9Exception {
        retain();
        try {
            return call.apply(fd);
        } finally {
            release();
        }
    }

    /** Adds a reference; fails with EBADF once the descriptor has been closed. */
    void retain() throws P9Exception {
        while (true) {
            int n = refs.get();
            if (n <= 0) {
                throw new P9Exception(Errno.EBADF, "descriptor already closed");
            }
            if (refs.compareAndSet(n, n + 1)) {
                return;
            }
        }
    }

    void release() {
        if (refs.decrementAndGet() == 0) {
            LinuxSyscalls.close(fd);
            Runnable then = afterClose;
            if (then != null) {
                then.run();
            }
        }
    }

    /** Runs {@code then} right after the descriptor is closed (a {@link Node} tells {@link OpenInodes}). */
    void afterClose(Runnable then) {
        afterClose = then;
    }
}
