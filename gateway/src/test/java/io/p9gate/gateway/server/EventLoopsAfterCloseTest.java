package io.p9gate.gateway.server;

import static org.junit.jupiter.api.Assertions.assertThrows;

import io.netty.channel.EventLoopGroup;
import io.p9gate.gateway.budget.Budgets;
import io.p9gate.gateway.budget.HostResources;
import io.p9gate.gateway.budget.Limits;
import io.p9gate.gateway.budget.VmBudget;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * R-ROB-2, resource bounds round 10: a VM's loops are made at its first connection on a listener VMs share, and a
 * connection identified once the gateway's close has taken the groups to shut down (one its loops had not closed
 * within the step's wait, or accepted as the listeners closed) got a group nobody shut down: its thread outlived the
 * gateway. Now such a connection finds its VM's loops shut down (LoopMove closes it).
 */
class EventLoopsAfterCloseTest {
    private static final long LOTS = 1 << 20;

    @Test
    void aVmsFirstLoopsAskedForAfterTheCloseSnapshotTakeNoTask() throws Exception {
        Budgets budgets = new Budgets(HostResources.current(), 8192);
        VmBudget late = budgets.add("late", new Limits(LOTS, LOTS, LOTS, LOTS, LOTS, LOTS, LOTS, 1), List.of());
        EventLoops loops = new EventLoops(budgets);
        List<EventLoopGroup> groups = loops.toShutDown();
        groups.forEach(group -> group.shutdownGracefully(0, 1, TimeUnit.SECONDS));
        for (EventLoopGroup group : groups) {
            group.terminationFuture().await(10, TimeUnit.SECONDS);
        }
        EventLoopGroup made = loops.of(late);
        try {
            assertThrows(RejectedExecutionException.class, () -> made.next().execute(() -> {}));
        } finally {
            made.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
    }
}
