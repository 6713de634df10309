package io.p9gate.gateway.backend;

import io.p9gate.gateway.proto.P9Exception;
import java.util.HashSet;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.function.IntConsumer;

/**
 * The descriptor of one VM's inotify instance ({@link VmInotify}), and the uses of it made under its own lock: each
 * {@code inotify_add_watch} with its recording, each {@code inotify_rm_watch} made outside {@link HostMoves#LOCK},
 * and its close. A removal after the close could name another VM's instance by the same number, and one between an
 * add and its recording could remove the watch the kernel just gave back.
 */
final class InotifyDescriptor {
    private final int fd;

    private final Object lock = new Object();

    /**
     * Forgotten watches whose {@code inotify_rm_watch} is still to be made (guarded by {@link #lock}): one whose
     * directory is watched again first is given back by the kernel, same descriptor, and then kept ({@link #add}).
     */
    private final Set<Integer> unremoved = new HashSet<>();

    /** The reader closed {@link #fd} (guarded by {@link #lock}). */
    private boolean closed;

    /** What an add records, holding the lock: the watch the kernel gave, and whether it was a forgotten one's. */
    @FunctionalInterface
    interface Recorder<T> {
        T record(int wd, boolean givenBack);
    }

    InotifyDescriptor(int fd) {
        this.fd = fd;
    }

    int fd() {
        return fd;
    }

    /** Watches {@code dir} for {@code mask}, as the gateway, and records the watch before another use of the descriptor. */
    <T> T add(Node dir, int mask, Recorder<T> recorder) throws P9Exception {
        synchronized (lock) {
            // As the gateway: a guest's host user (permissions: enforce) may not read the directory, which a watch
            // needs.
            int wd = HostCredentials.asGateway(
                    () -> dir.use(dirFd -> LinuxSyscalls.inotifyAddWatch(fd, LinuxSyscalls.procPath(dirFd), mask)));
            IntConsumer added = HostMoves.watchAddedForTests;
            if (added != null) {
                added.accept(wd);
            }
            return recorder.record(wd, unremoved.remove(wd));
        }
    }

    /** Watch {@code wd} is forgotten: to be removed from the kernel ({@link #remove}). */
    void forgotten(int wd) {
        synchronized (lock) {
            unremoved.add(wd);
        }
    }

    /** Watches forgotten whose removal from the kernel is still to be made. */
    int unremovedCount() {
        synchronized (lock) {
            return unremoved.size();
        }
    }

    /**
     * Removes forgotten watch {@code wd} from the kernel, unless it was given back meanwhile, or the instance is
     * {@code stopping} or closed (closing the instance removes every watch). {@code alreadyGone} runs, holding the
     * lock, if the kernel had removed it already.
     */
    void remove(int wd, BooleanSupplier stopping, Runnable alreadyGone) {
        synchronized (lock) {
            if (stopping.getAsBoolean() || closed || !unremoved.remove(wd)) {
                return;
            }
            try {
                LinuxSyscalls.inotifyRmWatch(fd, wd);
            } catch (P9Exception e) {
                alreadyGone.run();
            }
        }
    }

    /** Closes the instance, which removes its watches. */
    void close() {
        synchronized (lock) {
            closed = true;
            unremoved.clear(); // closing removes every watch from the kernel: none is pending any more
            // (WatchBudget.inKernel)
            LinuxSyscalls.close(fd);
        }
    }
}
