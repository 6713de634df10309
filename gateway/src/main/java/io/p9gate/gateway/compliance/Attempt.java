package io.p9gate.gateway.compliance;

import io.p9gate.gateway.proto.Errno;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * One check in the making: the requests it sends, in order, each judged against what the policy says.
 * Setup requests (walks to the place probed, opening a file) prepare; probe requests are what the check is
 * about. The first request the policy refuses must be refused with the policy's errno; every request the
 * policy allows must succeed. A setup request that the policy allows but the host cannot serve (the place
 * does not exist here) makes the check skipped, not passed.
 */
final class Attempt {
    private enum Role {
        SETUP,
        PROBE
    }

    /**
     * @param letThrough errnos that show the gateway let a request through to the host: a probe built so that
     *                   the host call must fail harmlessly (AT_REMOVEDIR on a file gives ENOTDIR, ...)
     */
    private record Sent(Step step, Role role, Set<Errno> letThrough) {}

    private final CheckLog log;
    private final String id;
    private final String vm;
    private final String share;
    private final String requirement;
    private final String title;
    private final List<Sent> sent = new ArrayList<>();
    private final List<String> notes = new ArrayList<>();
    private boolean finished;

    Attempt(CheckLog log, GuestSession session, String id, String share, String requirement, String title) {
        this.log = log;
        this.id = id;
        this.vm = session.oracle().vm();
        this.share = share;
        this.requirement = requirement;
        this.title = title;
        session.begin(id);
    }

    String id() {
        return id;
    }

    boolean finished() {
        return finished;
    }

    /** Judges the requests sent, unless the check already ended (skipped, say). */
    void finishIfOpen() {
        if (!finished) {
            finish();
        }
    }

    Step setup(Step step) {
        sent.add(new Sent(step, Role.SETUP, Set.of()));
        return step;
    }

    Step probe(Step step, Errno... letThrough) {
        sent.add(new Sent(step, Role.PROBE, Set.of(letThrough)));
        return step;
    }

    /** A remark for the report (e.g. that an unexpected success was undone). */
    void note(String text) {
        notes.add(text);
    }

    /** Judges the requests sent so far and records the result. */
    void finish() {
        for (Sent s : sent) {
            Expected expected = s.step().expected();
            if (expected == null) {
                continue;
            }
            Reply reply = s.step().reply();
            if (!expected.allowed()) {
                if (reply.errno() == expected.errno() || reply.atRefusal()) {
                    end(
                            Status.PASSED,
                            s,
                            s.role() == Role.SETUP
                                    ? "refused already at " + s.step().request()
                                    : reply.atRefusal() ? "the walk stopped at the refused name" : "");
                } else if (reply.ok() || reply.partial() || s.letThrough().contains(reply.errno())) {
                    end(
                            Status.FAILED,
                            s,
                            "the policy refuses it with " + expected.errno() + "; the gateway let it through");
                } else {
                    end(
                            Status.FAILED,
                            s,
                            "the policy refuses it with " + expected.errno() + "; the gateway answered "
                                    + reply.describe());
                }
                return;
            }
            boolean through =
                    reply.ok() || (s.role() == Role.PROBE && s.letThrough().contains(reply.errno()));
            if (!through) {
                if (s.role() == Role.SETUP) {
                    end(
                            Status.SKIPPED,
                            s,
                            "cannot prepare the probe: " + s.step().request() + " answered " + reply.describe()
                                    + " (the policy allows it: not on this host?)");
                } else {
                    end(Status.FAILED, s, "the policy allows it; the gateway answered " + reply.describe());
                }
                return;
            }
        }
        Sent last = sent.stream()
                .filter(s -> s.role() == Role.PROBE)
                .reduce((a, b) -> b)
                .orElse(null);
        end(Status.PASSED, last, "");
    }

    void skip(String reason) {
        end(Status.SKIPPED, null, reason);
    }

    void fail(String reason) {
        end(Status.FAILED, lastProbe(), reason);
    }

    void pass(String remark) {
        end(Status.PASSED, lastProbe(), remark);
    }

    private Sent lastProbe() {
        return sent.stream()
                .filter(s -> s.role() == Role.PROBE)
                .reduce((a, b) -> b)
                .orElse(sent.isEmpty() ? null : sent.getLast());
    }

    private void end(Status status, Sent decisive, String reason) {
        if (finished) {
            throw new IllegalStateException("check " + id + " finished twice");
        }
        finished = true;
        List<String> message = new ArrayList<>();
        if (!reason.isEmpty()) {
            message.add(reason);
        }
        message.addAll(notes);
        Step step = decisive == null ? null : decisive.step();
        String expected =
                step == null || step.expected() == null ? "" : step.expected().describe();
        String seen = step == null ? "" : step.reply().describe();
        log.add(
                new CheckResult(
                        id,
                        vm,
                        share,
                        requirement,
                        title,
                        status,
                        step == null ? "" : step.request(),
                        expected,
                        seen,
                        String.join("; ", message),
                        List.of()),
                step == null ? List.of() : List.of(step.probe()));
    }
}
