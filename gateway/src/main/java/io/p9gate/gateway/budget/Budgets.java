package io.p9gate.gateway.budget;

import io.p9gate.gateway.proto.Errno;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The budgets of every VM a gateway serves, found by the listener a connection arrived on (the VM's identity,
 * R-DEP-1), and the process-wide descriptor pool that keeps a reserve no VM can take (R-ROB-2), less the places
 * set apart for the connections of {@code tls:} listeners awaiting their handshake.
 */
public final class Budgets {
    private final HostResources host;
    private final int msize;
    /** What the process has for VMs and handshakes: its limit less those open at start and the reserve. */
    private final long processPool;

    private final Allowance descriptorPool;
    /**
     * The descriptors of {@code tls:} connections awaiting their handshake, which belong to no VM yet. Taken from the
     * VMs' pool, as before, a VM holding its whole budget and filling the handshake places pushed another VM into
     * EMFILE that many descriptors before its own budget (identity.HandshakeDescriptorShareAttackTest).
     */
    private final Allowance handshakes;

    /** The {@code tls:} listeners whose handshake places are set apart: those declared, or more if more are bound. */
    private int handshakeListeners;

    private int handshakeListenersBound;
    private final Map<String, VmBudget> byVm = new LinkedHashMap<>();
    private final Map<String, VmBudget> byListener = new LinkedHashMap<>();
    private volatile ConnectionRefusals refusals = (vm, peer, why) -> {};
    private volatile Runnable apportioned = () -> {};

    /** Told of every connection a VM's connection budget refuses (to record it). */
    @FunctionalInterface
    public interface ConnectionRefusals {
        void refused(VmBudget vm, String peer, OverBudget why);
    }

    /** @param msize the largest frame a connection may carry (for the memory estimates of {@link #warnings}) */
    public Budgets(HostResources host, int msize) {
        this(host, msize, 0);
    }

    /**
     * @param tlsListeners the {@code tls:} listeners the VMs are reached through: their handshake places are set apart
     *                     from the start, so that {@link #warnings} (said before the listeners are bound) count them
     */
    public Budgets(HostResources host, int msize, int tlsListeners) {
        this.host = host;
        this.handshakeListeners = tlsListeners;
        this.msize = msize;
        this.processPool = DefaultLimits.descriptorPool(host);
        this.descriptorPool =
                new Allowance("the gateway's VMs together", "budget.descriptor-pool", Errno.EMFILE, processPool, null);
        this.handshakes = new Allowance(
                "connections awaiting their TLS handshake", "budget.descriptor-pool", Errno.EMFILE, 0, null);
    }

    /**
     * Every listener its own VM (named after it), each with the derived limits: serving without a policy.
     *
     * @param tlsListeners how many of them are {@code tls:} listeners
     */
    public static Budgets perListener(Collection<String> listeners, int tlsListeners, int msize) {
        HostResources host = HostResources.current();
        Budgets budgets = new Budgets(host, msize, tlsListeners);
        Limits limits = DefaultLimits.derive(host, listeners.size(), tlsListeners, msize);
        for (String listener : listeners) {
            budgets.add(listener, limits, List.of(listener));
        }
        return budgets;
    }

    public HostResources host() {
        return host;
    }

    /** Adds a VM reached through {@code listeners}. */
    public synchronized VmBudget add(String vm, Limits limits, Collection<String> listeners) {
        VmBudget budget = new VmBudget(vm, limits, descriptorPool);
        if (byVm.putIfAbsent(vm, budget) != null) {
            throw new IllegalArgumentException("VM '" + vm + "' has budgets already");
        }
        for (String listener : listeners) {
            if (byListener.putIfAbsent(listener, budget) != null) {
                throw new IllegalArgumentException("listener " + listener + " belongs to another VM");
            }
        }
        apportion();
        return budget;
    }

    /**
     * The allowance a {@code tls:} listener being bound takes its connections awaiting their handshake from; its
     * places are set apart now if the constructor was told of fewer such listeners.
     */
    public synchronized Allowance handshakePlaces() {
        handshakeListenersBound++;
        if (handshakeListenersBound > handshakeListeners) {
            handshakeListeners = handshakeListenersBound;
            apportion();
        }
        return handshakes;
    }

    /**
     * New limits for each VM of {@code next} (a policy reload), all set before the pools are apportioned, once: the
     * handshake places follow the VMs' connections. Apportioned after each VM's, the pools were sized from a mix of
     * old and new limits until the last, and a reload of N VMs summed their connections N times.
     */
    public synchronized void update(Map<VmBudget, Limits> next) {
        next.forEach(VmBudget::update);
        apportion();
    }

    /** Splits the process's descriptors between the handshake places and the VMs' pool, as the limits are now. */
    private void apportion() {
        long connections = 0;
        for (VmBudget vm : byVm.values()) {
            connections = saturatedAdd(connections, vm.limits().connections());
        }
        long set = Math.min(DefaultLimits.handshakeDescriptors(handshakeListeners, connections), processPool / 2);
        handshakes.setLimit(set);
        descriptorPool.setLimit(processPool - set);
        apportioned.run();
    }

    /** Test seam: {@code hook} runs after each apportioning, holding these budgets' lock. */
    public void afterApportioningForTests(Runnable hook) {
        apportioned = hook;
    }

    /** @throws IllegalArgumentException if no VM is reached through this listener (a wiring bug) */
    public synchronized VmBudget forListener(String listener) {
        VmBudget budget = byListener.get(listener);
        if (budget == null) {
            throw new IllegalArgumentException("no VM budgets for listener " + listener);
        }
        return budget;
    }

    /** The VM a listener belongs to, if one does (a listener several VMs share belongs to none). */
    public synchronized Optional<VmBudget> ofListener(String listener) {
        return Optional.ofNullable(byListener.get(listener));
    }

    public synchronized Optional<VmBudget> vm(String vm) {
        return Optional.ofNullable(byVm.get(vm));
    }

    public synchronized List<VmBudget> vms() {
        return List.copyOf(byVm.values());
    }

    /**
     * Held by all VMs together; its limit is what the reserve leaves of the process's descriptors, less the
     * {@link #handshakePlaces}.
     */
    public Allowance descriptorPool() {
        return descriptorPool;
    }

    /** What the connections of {@code tls:} listeners awaiting their handshake hold. */
    public Allowance handshakes() {
        return handshakes;
    }

    public void onConnectionRefused(ConnectionRefusals listener) {
        this.refusals = listener;
    }

    /** A connection the VM's budget refused (the caller closes it). */
    public void connectionRefused(VmBudget vm, String peer, OverBudget why) {
        refusals.refused(vm, peer, why);
    }

    /**
     * Where explicit limits promise more than the process has: then one VM may take what another was promised
     * (the descriptor reserve still holds). One line each, for the operator.
     */
    public synchronized List<String> warnings() {
        List<String> out = new ArrayList<>();
        long descriptors = 0;
        long heap = 0;
        long frames = 0;
        for (VmBudget vm : byVm.values()) {
            Limits l = vm.limits();
            descriptors = saturatedAdd(descriptors, saturatedAdd(l.descriptors(), l.connections()));
            heap = saturatedAdd(
                    heap,
                    saturatedAdd(
                            l.xattrBytes(),
                            saturatedAdd(
                                    saturatedMultiply(l.fids(), DefaultLimits.FID_BYTES),
                                    saturatedMultiply(l.locks(), DefaultLimits.LOCK_BYTES))));
            frames = saturatedAdd(
                    frames,
                    saturatedAdd(
                            l.replyBytes(),
                            saturatedMultiply(saturatedAdd(l.outstanding(), l.connections()), 2L * msize)));
        }
        if (descriptors > descriptorPool.limit()) {
            out.add("the VMs' limits promise " + descriptors + " descriptors; the process can give them "
                    + descriptorPool.limit() + " (RLIMIT_NOFILE " + host.maxDescriptors() + ", "
                    + host.openDescriptors()
                    + " open, " + DefaultLimits.descriptorReserve(host.maxDescriptors()) + " kept in reserve"
                    + (handshakes.limit() > 0 ? ", " + handshakes.limit() + " for TLS handshakes)" : ")"));
        }
        if (heap > host.maxHeap() / 2) {
            out.add("the VMs' fid, lock and xattr limits may take " + heap / (1 << 20) + " MiB of a "
                    + host.maxHeap() / (1 << 20) + " MiB heap");
        }
        long memory = Math.min(host.maxHeap(), host.maxDirect());
        if (frames > memory) {
            out.add("the VMs' outstanding, connection and reply-bytes limits may take " + frames / (1 << 20)
                    + " MiB of frames; the process has " + memory / (1 << 20) + " MiB");
        }
        return out;
    }

    private static long saturatedAdd(long a, long b) {
        long sum = a + b;
        return ((a ^ sum) & (b ^ sum)) < 0 ? Long.MAX_VALUE : sum;
    }

    static long saturatedMultiply(long a, long b) {
        long hi = Math.multiplyHigh(a, b);
        long lo = a * b;
        return hi != 0 || lo < 0 ? Long.MAX_VALUE : lo;
    }
}
