package io.p9gate.policy.cli.replay;

import io.p9gate.audit.read.AuditRecord;
import io.p9gate.audit.read.ErrnoNames;
import io.p9gate.policy.DecisionRequest;
import io.p9gate.policy.PolicyDecision;
import io.p9gate.policy.PolicyEngine;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * Re-decides recorded requests under another policy, with the engine the gateway serves with, and sums up what
 * would change. Requests are counted as the log counts them: a summary of repeated refusals stands for its
 * {@code count}.
 */
public final class Replay {
    /** What the new policy does with a recorded request, compared with the recorded answer. */
    public enum Change {
        /** recorded allow, now denied */
        NEWLY_DENIED,
        /** recorded deny, now allowed */
        NEWLY_ALLOWED,
        /** denied before and now, with another errno (the guest sees another error) */
        OTHER_ERRNO,
        /** the same answer */
        UNCHANGED
    }

    /** The rule name under which a denial that no rule made (the default deny) is counted. */
    public static final String DEFAULT_DENY = "(default deny)";

    /** The rule name under which an allow that names no rule (a request that touches no file) is counted. */
    public static final String NO_RULE = "(no rule)";

    private final PolicyEngine engine;
    private final int examples;
    private final Map<Change, ChangeTally> changes = new EnumMap<>(Change.class);
    private final Tally notReplayed = new Tally();
    private long records;

    /** @param examples how many example requests to keep per change */
    public Replay(PolicyEngine engine, int examples) {
        this.engine = engine;
        this.examples = examples;
        for (Change c : Change.values()) {
            changes.put(c, new ChangeTally());
        }
    }

    /** Re-decides one stored record, or counts why it cannot be. */
    public void add(AuditRecord record) {
        records++;
        switch (RecordedRequest.of(record)) {
            case RecordedRequest.NotReplayed n -> notReplayed.add(n.why(), record.requests());
            case RecordedRequest.Questions q -> compare(record, decide(q.questions()));
        }
    }

    /** A stored line that is not a readable record (possible only with verification off). */
    public void unreadable() {
        records++;
        notReplayed.add("line that is not a readable record", 1);
    }

    private void compare(AuditRecord record, PolicyDecision now) {
        boolean wasAllowed = "allow".equals(record.decision());
        Change change;
        if (wasAllowed != now.allowed()) {
            change = now.allowed() ? Change.NEWLY_ALLOWED : Change.NEWLY_DENIED;
        } else if (!now.allowed() && !ErrnoNames.name(errno(record)).equals(now.errno())) {
            change = Change.OTHER_ERRNO;
        } else {
            change = Change.UNCHANGED;
        }
        // A newly allowed request is filed under the rules that denied it; every other under those deciding now.
        List<String> rules = change == Change.NEWLY_ALLOWED ? recordedRules(record) : now.ruleIds();
        if (rules.isEmpty()) {
            rules = List.of(change == Change.NEWLY_ALLOWED || !now.allowed() ? DEFAULT_DENY : NO_RULE);
        }
        changes.get(change).add(record, now, rules, change == Change.UNCHANGED ? 0 : examples);
    }

    private static int errno(AuditRecord record) {
        return record.errno() == null ? 0 : record.errno();
    }

    private static List<String> recordedRules(AuditRecord record) {
        return record.rules() == null ? List.of() : record.rules();
    }

    /** As the gateway decides: every question must be allowed, the first refused one decides. */
    private PolicyDecision decide(List<DecisionRequest> questions) {
        List<String> allowedBy = new ArrayList<>();
        for (DecisionRequest q : questions) {
            PolicyDecision d = engine.decide(q);
            if (!d.allowed()) {
                return d;
            }
            d.ruleIds().stream().filter(id -> !allowedBy.contains(id)).forEach(allowedBy::add);
        }
        return PolicyDecision.allow(allowedBy);
    }

    public long records() {
        return records;
    }

    public ChangeTally change(Change change) {
        return changes.get(change);
    }

    /** Records that could not be re-decided, by reason. */
    public Tally notReplayed() {
        return notReplayed;
    }

    /** Whether any recorded request would be answered differently. */
    public boolean anyChange() {
        return changes.get(Change.NEWLY_DENIED).requests() > 0
                || changes.get(Change.NEWLY_ALLOWED).requests() > 0
                || changes.get(Change.OTHER_ERRNO).requests() > 0;
    }
}
