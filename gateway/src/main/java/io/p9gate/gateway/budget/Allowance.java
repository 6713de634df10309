package io.p9gate.gateway.budget;

import io.p9gate.gateway.proto.Errno;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A count of something held (fids, descriptors, bytes) that may not pass a limit. What is acquired from an
 * allowance with a parent is also taken from the parent, so that a VM's descriptors come out of the
 * process-wide pool as well as out of its own budget. Thread-safe; the limit may change (policy reload):
 * what is held stays, only new acquisitions see the new limit.
 */
public final class Allowance {
    private final String rule;
    private final Errno errno;
    private final String owner;
    private final Allowance parent;
    private final AtomicLong used = new AtomicLong();
    private volatile long limit;

    /**
     * @param owner  whose budget it is (a VM id, "the gateway"), for the refusal's message
     * @param rule   the rule id a refusal is recorded under, e.g. {@code budget.fids}
     * @param errno  what the guest is told when it is refused
     * @param parent also charged for everything acquired here, or null
     */
    public Allowance(String owner, String rule, Errno errno, long limit, Allowance parent) {
        this.owner = owner;
        this.rule = rule;
        this.errno = errno;
        this.limit = limit;
        this.parent = parent;
    }

    /** Counts but never refuses: for sessions and tests that run without budgets. */
    public static Allowance unlimited(String rule) {
        return new Allowance("unlimited", rule, Errno.EIO, Long.MAX_VALUE, null);
    }

    /** Takes {@code n}, or refuses and takes nothing. */
    public void acquire(long n) throws OverBudget {
        while (true) {
            long held = used.get();
            long cap = limit;
            if (held + n > cap) {
                throw new OverBudget(
                        errno, rule, owner + ": " + held + " of " + cap + " held, " + n + " more asked (" + rule + ")");
            }
            if (used.compareAndSet(held, held + n)) {
                break;
            }
        }
        if (parent != null) {
            try {
                parent.acquire(n);
            } catch (OverBudget e) {
                used.addAndGet(-n);
                throw e;
            }
        }
    }

    /** As {@link #acquire}, answering instead of throwing. */
    public boolean tryAcquire(long n) {
        try {
            acquire(n);
            return true;
        } catch (OverBudget e) {
            return false;
        }
    }

    /** Gives back what {@link #acquire} took. */
    public void release(long n) {
        used.addAndGet(-n);
        if (parent != null) {
            parent.release(n);
        }
    }

    public long used() {
        return used.get();
    }

    public long limit() {
        return limit;
    }

    public String rule() {
        return rule;
    }

    void setLimit(long limit) {
        this.limit = limit;
    }
}
