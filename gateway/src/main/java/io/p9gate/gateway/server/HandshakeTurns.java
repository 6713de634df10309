package io.p9gate.gateway.server;

import java.net.InetAddress;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * The thread of a {@code tls:} listener where its handshakes' key agreements, signatures and certificate checks
 * run (the TLS engines' delegated tasks), shared fairly among peer addresses (R-ROB-2). Each address has its own
 * queue; the thread takes one task from each in turn, so a peer that handshakes in a loop delays another address's
 * next handshake step by at most one of its own, not by its whole backlog (first come, first served, it was all of
 * it: `server.HandshakeTurnsTest`).
 *
 * <p>Not on the shared event loops, where they would hold up the frames of every VM served there, and at the bulk
 * workers' lowered priority, so that VMs' requests get the CPU first. One thread: however many peers handshake at
 * once, they take at most one core. The queues need no bound of their own: the TLS handler of a connection has at
 * most one task queued or running, an address holds at most a VM's connections awaiting their handshake on the
 * listener ({@link UnidentifiedPeers}), and every such connection holds a descriptor of the process's pool.
 */
final class HandshakeTurns {
    private static final System.Logger LOG = System.getLogger(HandshakeTurns.class.getName());

    private final String name;
    private final Consumer<InetAddress> starting;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition work = lock.newCondition();
    private final Map<InetAddress, ArrayDeque<Step>> queues = new HashMap<>();
    /** Addresses with queued tasks, in turn order. */
    private final ArrayDeque<InetAddress> turns = new ArrayDeque<>();

    private Thread thread;
    private boolean shutdown;

    /**
     * @param name     the thread's name
     * @param starting told, on the thread, whose task it is about to run (tests see the order)
     */
    HandshakeTurns(String name, Consumer<InetAddress> starting) {
        this.name = name;
        this.starting = starting;
    }

    /** A handshake task, and whether its connection is still open. */
    private record Step(Runnable task, BooleanSupplier open) {}

    /**
     * Where the handshake tasks of a connection from {@code peer} go, dropped unrun once {@code open} says it is
     * closed: run, a step queued behind other addresses' checked the certificate of a connection its handshake
     * timeout had already ended, and recorded a second refusal for it (HandshakeTurnsTest).
     */
    Executor of(InetAddress peer, BooleanSupplier open) {
        return task -> execute(peer, new Step(task, open));
    }

    private void execute(InetAddress peer, Step task) {
        lock.lock();
        try {
            if (shutdown) {
                throw new RejectedExecutionException("the listener is closed");
            }
            ArrayDeque<Step> queue = queues.get(peer);
            if (queue == null) {
                queue = new ArrayDeque<>();
                queues.put(peer, queue);
                turns.addLast(peer);
            }
            queue.addLast(task);
            if (thread == null) {
                // Started at the first handshake, as the executor it replaces did: a listener nobody uses has none.
                thread = Thread.ofPlatform().daemon().name(name).start(this::work);
            }
            work.signal();
        } finally {
            lock.unlock();
        }
    }

    /** Tasks waiting (not running). */
    int waiting() {
        lock.lock();
        try {
            return queues.values().stream().mapToInt(ArrayDeque::size).sum();
        } finally {
            lock.unlock();
        }
    }

    /** Drops what is queued and interrupts the task running, as ExecutorService.shutdownNow. */
    void shutdownNow() {
        lock.lock();
        try {
            shutdown = true;
            queues.clear();
            turns.clear();
            if (thread != null) {
                thread.interrupt();
            }
            work.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private void work() {
        ThreadNiceness.lowerBy(FairWorkerPool.BULK_NICE);
        while (true) {
            Runnable task = next();
            if (task == null) {
                return;
            }
            try {
                task.run();
            } catch (Throwable t) {
                // Netty's task reports its own failures to the connection; one that escapes is a bug.
                LOG.log(System.Logger.Level.ERROR, "TLS handshake task failed (bug)", t);
            }
        }
    }

    /** The next address's next task of an open connection, waiting for one; null once shut down. */
    private Runnable next() {
        lock.lock();
        try {
            while (true) {
                while (turns.isEmpty()) {
                    if (shutdown) {
                        return null;
                    }
                    work.awaitUninterruptibly();
                }
                InetAddress peer = turns.pollFirst();
                ArrayDeque<Step> queue = queues.get(peer);
                Step step = queue.pollFirst();
                if (queue.isEmpty()) {
                    queues.remove(peer); // an address without handshakes in progress keeps nothing
                } else {
                    turns.addLast(peer);
                }
                if (step.open().getAsBoolean()) {
                    starting.accept(peer);
                    return step.task();
                }
            }
        } finally {
            lock.unlock();
        }
    }
}
