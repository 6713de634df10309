package io.p9gate.policy.cli;

import io.p9gate.policy.DecisionRequest;
import io.p9gate.policy.PolicyDecision;
import io.p9gate.policy.PolicyEngine;
import io.p9gate.policy.ids.IdMap;
import io.p9gate.policy.load.IdTestCase;
import io.p9gate.policy.load.PolicyTestCase;
import io.p9gate.policy.load.PolicyTestFile;
import io.p9gate.policy.load.QuotaTestCase;
import io.p9gate.policy.quota.QuotaSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.function.ToLongFunction;

/** Runs every case of a policy test file against a loaded policy (R-POL-8). */
final class PolicyTestRun {
    private PolicyTestRun() {}

    static List<TestOutcome> run(PolicyEngine engine, PolicyTestFile tests) {
        List<TestOutcome> out = new ArrayList<>();
        for (PolicyTestCase c : tests.cases()) out.add(decision(engine, c));
        for (IdTestCase c : tests.ids()) out.add(ids(engine, c));
        for (QuotaTestCase c : tests.quotas()) out.add(quota(engine, c));
        return out;
    }

    private static TestOutcome decision(PolicyEngine engine, PolicyTestCase c) {
        DecisionRequest request;
        try {
            CaseTarget at = CaseTarget.place(engine.policy(), c.vm(), c.share(), c.path());
            CaseTarget to = c.dest() == null ? null : CaseTarget.place(engine.policy(), c.vm(), c.share(), c.dest());
            if (to != null && !to.share().equals(at.share())) {
                throw new CaseTarget.Unplaceable("path and dest lie in different shares (" + at.share() + ", "
                        + to.share() + "): a rename or link across shares is EXDEV, not a policy decision");
            }
            request = new DecisionRequest(
                    c.vm(),
                    at.share(),
                    c.op(),
                    at.path(),
                    to == null ? null : to.path(),
                    c.uid(),
                    c.gid(),
                    c.directory());
        } catch (CaseTarget.Unplaceable e) {
            return new TestOutcome(c.name(), "decision", c.vm(), c.pos(), TestOutcome.Status.ERROR, e.getMessage());
        }
        PolicyDecision d = engine.decide(request);
        PolicyDecision reference = engine.decideWithCedar(request);
        String problem = mismatch(c, d);
        if (problem == null && !d.equals(reference)) problem = "fast path " + d + " differs from Cedar " + reference;
        String asked = c.op() + " " + c.vm() + "/" + request.share() + ":" + request.path()
                + (request.destination() == null ? "" : " -> " + request.destination())
                + (request.directory() ? " (a directory)" : "");
        return problem == null
                ? new TestOutcome(
                        c.name(),
                        "decision",
                        c.vm(),
                        c.pos(),
                        TestOutcome.Status.PASSED,
                        asked + " -> " + d.outcome() + describeRules(d))
                : new TestOutcome(c.name(), "decision", c.vm(), c.pos(), TestOutcome.Status.FAILED, problem);
    }

    /** Null if the decision is what the case expects, otherwise what went wrong. */
    private static String mismatch(PolicyTestCase c, PolicyDecision d) {
        boolean outcomeOk = switch (c.expect()) {
            case "allow" -> d.allowed();
            case "deny" -> !d.allowed();
            default -> c.expect().equals(d.errno());
        };
        if (!outcomeOk) return "expected " + c.expect() + ", got " + d.outcome() + describeRules(d);
        if (c.by() != null && !d.ruleIds().contains(c.by()))
            return "expected rule " + c.by() + ", decided by " + d.ruleIds();
        return null;
    }

    private static String describeRules(PolicyDecision d) {
        return d.ruleIds().isEmpty() ? (d.allowed() ? "" : " (default deny)") : " by " + String.join(", ", d.ruleIds());
    }

    private static TestOutcome ids(PolicyEngine engine, IdTestCase c) {
        try {
            CaseTarget.vm(engine.policy(), c.vm());
        } catch (CaseTarget.Unplaceable e) {
            return new TestOutcome(c.name(), "ids", c.vm(), c.pos(), TestOutcome.Status.ERROR, e.getMessage());
        }
        IdMap ids = engine.idMap(c.vm());
        long got = switch (c.kind()) {
            case GUEST_UID -> ids.uidToHost(c.id());
            case GUEST_GID -> ids.gidToHost(c.id());
            case HOST_UID -> ids.uidToGuest(c.id());
            case HOST_GID -> ids.gidToGuest(c.id());
        };
        String mapped = c.kind().from + " " + c.id() + " maps to " + c.kind().to + " " + got;
        return got == c.expect()
                ? new TestOutcome(c.name(), "ids", c.vm(), c.pos(), TestOutcome.Status.PASSED, mapped)
                : new TestOutcome(
                        c.name(), "ids", c.vm(), c.pos(), TestOutcome.Status.FAILED, mapped + ", not " + c.expect());
    }

    /** The limits at a path are the tightest of the quotas whose subtree holds it. */
    private static TestOutcome quota(PolicyEngine engine, QuotaTestCase c) {
        CaseTarget at;
        try {
            at = CaseTarget.place(engine.policy(), c.vm(), c.share(), c.path());
        } catch (CaseTarget.Unplaceable e) {
            return new TestOutcome(c.name(), "quota", c.vm(), c.pos(), TestOutcome.Status.ERROR, e.getMessage());
        }
        List<QuotaSpec> covering = engine.quotas(c.vm()).stream()
                .filter(q -> q.covers(at.share(), at.path()))
                .toList();
        long bytes = tightest(covering, QuotaSpec::maxBytes);
        long inodes = tightest(covering, QuotaSpec::maxInodes);
        List<String> wrong = new ArrayList<>();
        if (c.bytes() != null && c.bytes() != bytes)
            wrong.add("the byte limit is " + limit(bytes) + ", not " + limit(c.bytes()));
        if (c.inodes() != null && c.inodes() != inodes)
            wrong.add("the inode limit is " + limit(inodes) + ", not " + limit(c.inodes()));
        return wrong.isEmpty()
                ? new TestOutcome(
                        c.name(),
                        "quota",
                        c.vm(),
                        c.pos(),
                        TestOutcome.Status.PASSED,
                        "at " + at.path() + ": " + limit(bytes) + " bytes, " + limit(inodes) + " inodes")
                : new TestOutcome(
                        c.name(),
                        "quota",
                        c.vm(),
                        c.pos(),
                        TestOutcome.Status.FAILED,
                        "at " + at.path() + " " + String.join(", ", wrong));
    }

    private static long tightest(List<QuotaSpec> quotas, ToLongFunction<QuotaSpec> limit) {
        return quotas.stream().mapToLong(limit).min().orElse(QuotaSpec.UNLIMITED);
    }

    private static String limit(long value) {
        return value == QuotaSpec.UNLIMITED ? "unlimited" : Long.toString(value);
    }
}
