/**
 * The terms every part of the policy module speaks in: the kinds of operation ({@link io.p9gate.policy.terms.OpKind}),
 * share paths, path patterns and the questions asked about a path. They depend on nothing else in the module, so
 * that the engine, the compiler, Cedar, the fast path, loading and quotas can all use them without a package cycle
 * through the engine (docs/architecture.md).
 */
package io.p9gate.policy.terms;
