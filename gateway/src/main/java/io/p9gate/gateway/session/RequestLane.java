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
