package io.p9gate.gateway.session;

import io.p9gate.gateway.budget.VmBudget;
import java.util.ArrayDeque;

/**
 * A lane whose workers run only when the test says so, so that "handed to a worker, not run yet" is a state a
 * test can look at. A task runs with its VM's budgets bound, as on the gateway's workers.
 */
final class HeldLane implements RequestLane {
    private final VmBudget budget;
    private final ArrayDeque<Runnable> queued = new ArrayDeque<>();

    HeldLane(VmBudget budget) {
        this.budget = budget;
    }

    @Override
    public VmBudget budget() {
        return budget;
    }

    @Override
    public void execute(Runnable task) {
        queued.add(() -> ScopedValue.where(VmBudget.CURRENT, budget).run(task));
    }

    /** Tasks handed over and not run yet. */
    int waiting() {
        return queued.size();
    }

    /** Runs the task handed over first. */
    void runOne() {
        queued.remove().run();
    }

    /** Runs every task handed over, those the running ones hand over included. */
    void runAll() {
        for (Runnable task; (task = queued.poll()) != null; ) {
            task.run();
        }
    }
}
