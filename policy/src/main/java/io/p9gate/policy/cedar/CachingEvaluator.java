package io.p9gate.policy.cedar;

import com.google.common.cache.Cache;
import com.google.common.cache.CacheBuilder;
import io.p9gate.policy.compile.PathEvaluator;
import io.p9gate.policy.compile.Verdict;
import io.p9gate.policy.terms.PathQuestion;

/**
 * Remembers Cedar's answers for policies with hand-written Cedar, where the fast evaluator does not
 * apply. The key is the whole {@link PathQuestion} (VM, share, op, path, uid, gid): exactly what a
 * decision can depend on, since the entities are derived from the path alone and the context holds only
 * uid and gid. The cache lives as long as its (immutable) engine, so a reload starts a fresh one.
 */
public final class CachingEvaluator implements PathEvaluator {

    private final PathEvaluator cedar;
    private final Cache<PathQuestion, Verdict> cache;

    public CachingEvaluator(PathEvaluator cedar, long maxEntries) {
        this.cedar = cedar;
        this.cache = CacheBuilder.newBuilder().maximumSize(maxEntries).build();
    }

    @Override
    public Verdict evaluate(PathQuestion q) {
        Verdict v = cache.getIfPresent(q);
        if (v == null) {
            v = cedar.evaluate(q);
            if (!CedarEvaluator.FAILED_ERRNO.equals(v.errno())) cache.put(q, v); // a failure may be transient
        }
        return v;
    }
}
