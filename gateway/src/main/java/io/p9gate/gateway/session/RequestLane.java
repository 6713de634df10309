package io.p9gate.gateway.session;

import io.p9gate.gateway.budget.VmBudget;
import java.util.concurrent.Executor;

/**
 * Where the requests of one VM run (R-ROB-2): its turn on the gateway's worker threads, with its budgets
 * bound as {@link VmBudget#CURRENT} while a task runs. {@link #execute} throws
 * {@link java.util.concurrent.RejectedExecutionException} once the workers are shutting down.
 */
public interface RequestLane extends Executor {

    /** The budgets of the VM this lane serves. */
    VmBudget budget();

    /**
     * Told of a request of this VM served without the lane, on the VM's own event loop ({@code Session}): the VM is
     * being served as if the lane had run it, so a fair lane counts it active (R-ROB-1), else a VM whose requests
     * are all lone reads, writes and stats would look idle while another VM takes the workers' prompt threads.
     */
    default void servedOnLoop() {}

    /** A lane on plain {@code workers} with no limits: for tests and tools that serve one client. */
    static RequestLane unbudgeted(Executor workers, String name) {
        VmBudget budget = VmBudget.unlimited(name);
        return new RequestLane() {
            @Override
            public VmBudget budget() {
                return budget;
            }

            @Override
            public void execute(Runnable task) {
                workers.execute(
                        () -> ScopedValue.where(VmBudget.CURRENT, budget).run(task));
            }
        };
    }
}
