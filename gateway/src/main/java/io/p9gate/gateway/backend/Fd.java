package io.p9gate.gateway.backend;

import io.p9gate.gateway.budget.Allowance;
import io.p9gate.gateway.budget.VmBudget;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A reference-counted OS file descriptor. Several requests of one session run at once, so a
 * clunk may race a read on the same fid: the number is closed only when the last user is done,
 * which keeps a reused descriptor number from ever being read or written by a stale request.
 *
 * <p>Every descriptor is charged to the VM whose request opened it ({@link VmBudget#current()}) before it is
 * opened, and given back when it is closed (R-ROB-2): a VM over its descriptor budget is refused with EMFILE and
 * nothing is opened, so it cannot take the descriptors other VMs and the audit log need.
 */
final class Fd {
    private final int fd;
    private final Allowance budget;
    private final AtomicInteger refs = new AtomicInteger(1);
    private volatile Runnable beforeClose;

    private Fd(int fd, Allowance budget) {
        this.fd = fd;
        this.budget = budget;
    }

    @FunctionalInterface
    interface FdCall<T> {
        T apply(int fd) throws P9Exception;
    }

    /** A system call that returns a new descriptor. */
    @FunctionalInterface
    interface Opening {
        int open() throws P9Exception;
    }

    /** Opens one descriptor, charged to the VM being served; nothing is opened if its budget is spent. */
    static Fd open(Opening opening) throws P9Exception {
        try (Charge charge = Charge.of(1)) {
            return charge.open(opening);
        }
    }

    /**
     * Descriptors charged before the calls that open them, for an operation that opens several and must not stop
     * half-way (a create whose file exists but whose handle could not be opened). What is not used is given back
     * at close.
     */
    static final class Charge implements AutoCloseable {
        private final Allowance budget;
        private int left;

        private Charge(Allowance budget, int count) {
            this.budget = budget;
            this.left = count;
        }

        static Charge of(int count) throws P9Exception {
            Allowance budget = VmBudget.current().descriptors();
            budget.acquire(count);
            return new Charge(budget, count);
        }

        Fd open(Opening opening) throws P9Exception {
            if (left == 0) {
                throw new IllegalStateException("more descriptors opened than charged");
            }
            Fd fd = new Fd(opening.open(), budget);
            left--;
            return fd;
        }

        @Override
        public void close() {
            if (left > 0) {
                budget.release(left);
                left = 0;
            }
        }
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
            // Told before the close(2) that may free the inode: once freed, its number can be a new file's at
            // once, whose handle must not inherit this one's count in OpenInodes nor what waits for its last close.
            Runnable then = beforeClose;
            try {
                if (then != null) {
                    then.run();
                }
            } finally {
                LinuxSyscalls.close(fd);
                budget.release(1);
            }
        }
    }

    /** Runs {@code then} right before the descriptor is closed (a {@link Node} tells {@link OpenInodes}). */
    void beforeClose(Runnable then) {
        beforeClose = then;
    }
}
