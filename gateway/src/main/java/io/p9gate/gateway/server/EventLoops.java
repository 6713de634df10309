package io.p9gate.gateway.server;

import io.netty.channel.EventLoopGroup;
import io.p9gate.gateway.budget.Budgets;
import io.p9gate.gateway.budget.VmBudget;
import io.p9gate.gateway.net.Transports;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The gateway's event loop threads: one accepts on every listener, each VM's connections have loops of their own
 * (R-ROB-2), and the connections of listeners several VMs share wait on shared ones until their VM is known.
 */
final class EventLoops {
    private final Budgets budgets;
    /** Accepts connections on every listener. */
    private final EventLoopGroup acceptor;
    /** Each VM's connections, by its budget. */
    private final Map<VmBudget, EventLoopGroup> vmLoops = new IdentityHashMap<>();
    /** The connections of listeners several VMs share (tls:, vsock:): their VM is known only once identified. */
    private EventLoopGroup sharedLoops;
    /** The gateway's close took the groups to shut down: a group made now would outlive it. */
    private boolean closing;

    EventLoops(Budgets budgets) {
        this.budgets = budgets;
        this.acceptor = Transports.newGroup(1, FairWorkerPool.named("p9gate-accept-"));
    }

    EventLoopGroup acceptor() {
        return acceptor;
    }

    /** The event loops of the listeners several VMs share. */
    EventLoopGroup shared() {
        synchronized (vmLoops) {
            if (sharedLoops == null) {
                sharedLoops = Transports.newGroup(
                        Math.max(1, Runtime.getRuntime().availableProcessors() / 2),
                        FairWorkerPool.named("p9gate-io-shared-"));
            }
            return sharedLoops;
        }
    }

    /** The VM's event loops: the cores shared evenly among the VMs, at least one thread each. */
    EventLoopGroup of(VmBudget vm) {
        synchronized (vmLoops) {
            if (closing && !vmLoops.containsKey(vm)) {
                // A connection identified as the gateway stops (its loop past the close's wait): it is refused, as
                // by loops shut down (LoopMove), instead of starting a thread nobody stops.
                EventLoopGroup stopped = Transports.newGroup(1, FairWorkerPool.named("p9gate-io-" + vm.vm() + "-"));
                // Terminated before it is handed out: a task given to a group still shutting down would be run.
                stopped.shutdownGracefully(0, 0, TimeUnit.SECONDS).awaitUninterruptibly(1, TimeUnit.SECONDS);
                return stopped;
            }
            return vmLoops.computeIfAbsent(
                    vm,
                    v -> Transports.newGroup(
                            Math.max(
                                    1,
                                    Runtime.getRuntime().availableProcessors()
                                            / Math.max(1, budgets.vms().size())),
                            FairWorkerPool.named("p9gate-io-" + v.vm() + "-")));
        }
    }

    /**
     * For the gateway's close: every group made so far, the acceptor last, the order in which they are shut down. No
     * VM's loops are made afterwards.
     */
    List<EventLoopGroup> toShutDown() {
        List<EventLoopGroup> loops;
        synchronized (vmLoops) {
            closing = true;
            loops = new ArrayList<>(vmLoops.values());
            if (sharedLoops != null) {
                loops.add(sharedLoops);
            }
        }
        loops.add(acceptor);
        return loops;
    }
}
