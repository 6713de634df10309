package io.p9gate.gateway.compliance;

import io.p9gate.gateway.proto.DirEntry;
import io.p9gate.gateway.proto.RMessage;
import io.p9gate.policy.model.Subtree;
import io.p9gate.policy.terms.SharePath;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Read-only subtrees refuse every kind of write (R-POL-3); hidden subtrees do not exist for the VM: not
 * reachable by walking, not listed, not creatable (R-POL-4). Derived from the share's {@code read-only} and
 * {@code hidden} lists (and {@code access: read-only}, a read-only subtree at the root).
 */
final class SubtreeChecks {
    /** Every write form, each with its own check: what the issue and R-POL-3 list, one by one. */
    static final List<Form> WRITE_FORMS =
            Arrays.stream(Form.values()).filter(f -> f.op.isWrite()).toList();
    /** The hidden subtree as a name: walked to, read, created over, renamed onto. */
    private static final List<Form> HIDDEN_FORMS =
            List.of(Form.WALK, Form.GETATTR, Form.CREATE_NEW, Form.MKDIR_NEW, Form.RENAME_IN_NEW);

    private SubtreeChecks() {}

    static void readOnly(CheckLog log, Probing p, String idPrefix, SharePath top, String what) throws IOException {
        Targets targets = Targets.inSubtree(p.view(), top, p.token());
        Probing scoped = p.within(path -> path.isWithin(top));
        for (Form form : WRITE_FORMS) {
            FormCheck.run(log, scoped, idPrefix, "R-POL-3", what, form, targets);
        }
    }

    static void hidden(CheckLog log, Probing p, String idPrefix, Subtree hidden) throws IOException {
        SharePath top = hidden.path();
        String what = "hidden " + top;
        if (top.depth() == 0) {
            return; // a hidden share root hides everything: the attach check shows it
        }
        Targets asName = new Targets(top, top, top, top, top, "");
        Probing scoped = p.within(path -> path.isWithin(top));
        for (Form form : HIDDEN_FORMS) {
            FormCheck.run(log, scoped, idPrefix, "R-POL-4", what, form, asName);
        }
        SharePath below = top.child(p.token());
        FormCheck.run(
                log,
                scoped,
                idPrefix + "/below",
                "R-POL-4",
                what,
                Form.WALK,
                new Targets(below, null, null, null, null, ""));
        walkThroughAndBack(log, p, idPrefix, top);
        notListed(log, p, idPrefix, top);
    }

    /** Twalk [name, ".."] from the parent: a walk may not pass through a hidden directory and come back out. */
    private static void walkThroughAndBack(CheckLog log, Probing p, String idPrefix, SharePath top) throws IOException {
        SharePath parent = top.prefix(top.depth() - 1);
        Attempt a = new Attempt(
                log,
                p.session(),
                idPrefix + "/walk-through",
                p.share(),
                "R-POL-4",
                "hidden " + top + ": twalk through it and back (" + Form.name(top) + "/..)");
        int dir = p.walk(a, parent);
        if (dir >= 0) {
            Step step = a.probe(p.session().walk(dir, Form.name(top), ".."));
            p.release(dir, step.newFid());
        }
        a.finishIfOpen();
    }

    /** The parent's listing leaves the hidden name out (or the parent cannot be listed, as the policy says). */
    private static void notListed(CheckLog log, Probing p, String idPrefix, SharePath top) throws IOException {
        SharePath parent = top.prefix(top.depth() - 1);
        Attempt a = new Attempt(
                log,
                p.session(),
                idPrefix + "/not-listed",
                p.share(),
                "R-POL-4",
                "hidden " + top + ": treaddir of " + parent + " does not list it");
        int dir = p.walk(a, parent);
        if (dir < 0
                || !a.setup(p.session().lopen(dir, GuestSession.O_RDONLY | GuestSession.O_DIRECTORY))
                        .ok()) {
            p.release(dir);
            a.finishIfOpen();
            return;
        }
        List<String> names = new ArrayList<>();
        long offset = 0;
        Step page;
        do {
            page = a.probe(p.session().readdir(dir, offset));
            List<DirEntry> got = page.ok() ? ((RMessage.Rreaddir) page.reply().message()).entries() : List.of();
            got.forEach(e -> names.add(e.name()));
            offset = got.isEmpty() ? offset : got.getLast().offset();
            if (got.isEmpty()) {
                break;
            }
        } while (true);
        p.release(dir);
        if (page.ok() && names.contains(Form.name(top))) {
            a.fail("listed as " + Form.name(top) + " in " + parent);
        } else {
            a.finishIfOpen();
        }
    }
}
