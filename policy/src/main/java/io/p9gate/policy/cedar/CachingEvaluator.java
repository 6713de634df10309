package io.p9gate.policy.cedar;

import com.google.common.cache.Cache;
import com.google.common.cache.CacheBuilder;
import io.p9gate.policy.compile.PathEvaluator;
import io.p9gate.policy.compile.Verdict;
import io.p9gate.policy.terms.PathQuestion;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * Remembers Cedar's answers for policies with hand-written Cedar, where the fast evaluator does not
 * apply. The key is the whole {@link PathQuestion} (VM, share, op, path, uid, gid): exactly what a
 * decision can depend on, since the entities are derived from the path alone and the context holds only
 * uid and gid. The cache lives as long as its (immutable) engine, so a reload starts a fresh one.
 *
 * <p>Each VM has its own cache, an equal share of the bound: the keys are guest-chosen paths, and with one
 * cache for all a VM walking distinct names evicted every other VM's decisions, each of which then cost a
 * Cedar call (R-ROB-2). Now a VM evicts only its own entries, and the total stays within the bound.
 *
 * <p>The bound is in (estimated) bytes, not entries: a guest's path has no length limit, so a bound in entries
 * bounded nothing (a decision on a path of 16 names, 3.85 KB, holds 8.7 KB, measured; 65,536 of them 543 MiB, more
 * than the gateway's heap). A decision heavier than its VM's share is made but not kept.
 */
public final class CachingEvaluator implements PathEvaluator {

    private final PathEvaluator cedar;
    private final Map<String, Cache<PathQuestion, Verdict>> byVm;

    /**
     * @param vms      the VMs the policy declares, each given {@code maxBytes / vms.size()} bytes
     * @param maxBytes the bound on all VMs' entries together, in {@link #weight} bytes
     */
    public CachingEvaluator(PathEvaluator cedar, Set<String> vms, long maxBytes) {
        this.cedar = cedar;
        long each = maxBytes / Math.max(1, vms.size());
        Map<String, Cache<PathQuestion, Verdict>> caches = new HashMap<>();
        for (String vm : vms) {
            caches.put(
                    vm,
                    CacheBuilder.newBuilder()
                            .maximumWeight(each)
                            .<PathQuestion, Verdict>weigher(CachingEvaluator::weight)
                            .build());
        }
        this.byVm = Map.copyOf(caches);
    }

    @Override
    public Verdict evaluate(PathQuestion q) {
        Cache<PathQuestion, Verdict> cache = byVm.get(q.vm());
        // A VM the policy does not declare has no share of the bound (the engine refuses it before asking anyway).
        if (cache == null) return cedar.evaluate(q);
        Verdict v = cache.getIfPresent(q);
        if (v == null) {
            v = cedar.evaluate(q);
            if (!CedarEvaluator.FAILED_ERRNO.equals(v.errno())) cache.put(q, v); // a failure may be transient
        }
        return v;
    }

    /**
     * About how many bytes a cached decision holds: its path twice (text and segments), each rule id Cedar gave (a
     * fresh string per decision), plus overhead.
     */
    static int weight(PathQuestion q, Verdict v) {
        long bytes = 256L + 2L * held(q.path().text()) + 48L * q.path().depth();
        for (String id : v.ruleIds()) bytes += 48L + held(id);
        return (int) Math.min(Integer.MAX_VALUE, bytes);
    }

    /** The bytes a String's characters take: one each if all are Latin-1, else two (UTF-16), as the JDK keeps them. */
    private static long held(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) > 0xFF) return 2L * s.length();
        }
        return s.length();
    }

    /** The estimated bytes all VMs' cached decisions hold (for tests). */
    long heldBytes() {
        return byVm.values().stream()
                .flatMap(c -> c.asMap().entrySet().stream())
                .mapToLong(e -> weight(e.getKey(), e.getValue()))
                .sum();
    }
}
