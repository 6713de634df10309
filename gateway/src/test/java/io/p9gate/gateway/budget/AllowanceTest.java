package io.p9gate.gateway.budget;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.proto.Errno;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The counters under every budget: a refusal takes nothing, a VM's descriptors come out of the process pool. */
class AllowanceTest {

    @Test
    void aRefusalNamesTheRuleAndTakesNothing() throws Exception {
        Allowance fids = new Allowance("VM a", "budget.fids", Errno.EMFILE, 3, null);
        fids.acquire(2);
        OverBudget e = assertThrows(OverBudget.class, () -> fids.acquire(2));
        assertEquals(Errno.EMFILE, e.errno());
        assertEquals("budget.fids", e.rule());
        assertEquals(2, fids.used());
        fids.acquire(1);
        fids.release(3);
        assertEquals(0, fids.used());
    }

    @Test
    void aVmCannotTakeMoreOfThePoolThanThePoolHasAndThePoolRefusalUndoesTheVmsShare() throws Exception {
        Allowance pool = new Allowance("the gateway", "budget.descriptor-pool", Errno.EMFILE, 5, null);
        Allowance a = new Allowance("VM a", "budget.descriptors", Errno.EMFILE, 4, pool);
        Allowance b = new Allowance("VM b", "budget.descriptors", Errno.EMFILE, 4, pool);
        a.acquire(4);
        OverBudget e = assertThrows(OverBudget.class, () -> b.acquire(2));
        assertEquals("budget.descriptor-pool", e.rule());
        assertEquals(0, b.used(), "nothing held by b after the pool refused");
        b.acquire(1);
        assertEquals(5, pool.used());
        a.release(4);
        b.release(1);
        assertEquals(0, pool.used());
    }

    @Test
    void aLowerLimitRefusesNewAcquisitionsAndKeepsWhatIsHeld() throws Exception {
        VmBudget vm = new VmBudget("a", new Limits(1, 1, 10, 1, 1, 1, 1, 1), null);
        vm.fids().acquire(8);
        vm.update(new Limits(1, 1, 5, 1, 1, 1, 1, 2));
        assertFalse(vm.fids().tryAcquire(1));
        assertEquals(8, vm.fids().used());
        assertEquals(2, vm.limits().weight());
        vm.fids().release(4);
        assertTrue(vm.fids().tryAcquire(1));
    }

    @Test
    void concurrentAcquirersNeverPassTheLimit() throws Exception {
        Allowance budget = new Allowance("VM a", "budget.fids", Errno.EMFILE, 1000, null);
        AtomicInteger granted = new AtomicInteger();
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            threads.add(Thread.ofPlatform().start(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int i = 0; i < 1000; i++) {
                    if (budget.tryAcquire(1)) {
                        granted.incrementAndGet();
                    }
                }
            }));
        }
        go.countDown();
        for (Thread t : threads) {
            t.join();
        }
        assertEquals(1000, granted.get());
        assertEquals(1000, budget.used());
    }
}
