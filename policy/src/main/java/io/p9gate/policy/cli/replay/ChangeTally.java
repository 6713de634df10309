package io.p9gate.policy.cli.replay;

import io.p9gate.audit.read.AuditRecord;
import io.p9gate.policy.PolicyDecision;
import java.util.ArrayList;
import java.util.List;

/** The requests of one kind of change, by VM, operation and rule, with the first few as examples. */
public final class ChangeTally {
    private final Tally byVm = new Tally();
    private final Tally byOp = new Tally();
    private final Tally byRule = new Tally();
    private final List<Example> examples = new ArrayList<>();

    /**
     * One recorded request, its answer now, and what it was.
     *
     * @param record the stored record (time, VM, operation, path, recorded decision)
     * @param now    the new policy's answer
     */
    public record Example(AuditRecord record, PolicyDecision now) {}

    void add(AuditRecord record, PolicyDecision now, List<String> rules, int keep) {
        long requests = record.requests();
        byVm.add(record.vm(), requests);
        byOp.add(record.op(), requests);
        rules.forEach(rule -> byRule.add(rule, requests));
        if (examples.size() < keep) {
            examples.add(new Example(record, now));
        }
    }

    public long requests() {
        return byVm.total();
    }

    public Tally byVm() {
        return byVm;
    }

    public Tally byOp() {
        return byOp;
    }

    /** The rules that decided (a request counts under each of its rules). */
    public Tally byRule() {
        return byRule;
    }

    public List<Example> examples() {
        return List.copyOf(examples);
    }
}
