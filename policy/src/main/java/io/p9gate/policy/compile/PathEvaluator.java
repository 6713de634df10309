package io.p9gate.policy.compile;

import io.p9gate.policy.terms.PathQuestion;

/** Decides single-path questions; Cedar is the reference, the fast evaluator must agree with it. */
public interface PathEvaluator {
    Verdict evaluate(PathQuestion q);
}
