package io.p9gate.gateway.compliance;

import io.p9gate.policy.model.Effect;
import io.p9gate.policy.model.Rule;
import io.p9gate.policy.terms.OpKind;
import io.p9gate.policy.terms.PathPattern;
import io.p9gate.policy.terms.SharePath;
import java.io.IOException;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Every allow and deny rule of a share, exercised: each of its operation kinds on a path each of its globs
 * matches must get what the policy says (R-POL-2): the rule's errno for a deny, success for an allow unless a
 * stronger rule refuses it. Existing entries are probed with harmless forms; a new name only where the
 * policy refuses the operation or lets the suite remove what it made.
 */
final class RuleChecks {
    /** The forms tried for each kind, harmless ones on existing entries first. */
    private static final Map<OpKind, List<Form>> FORMS = new EnumMap<>(Map.ofEntries(
            Map.entry(OpKind.CREATE, List.of(Form.CREATE_OVER_EXISTING, Form.CREATE_NEW)),
            Map.entry(OpKind.MKDIR, List.of(Form.MKDIR_OVER_EXISTING, Form.MKDIR_NEW)),
            Map.entry(OpKind.MKNOD, List.of(Form.MKNOD_OVER_EXISTING, Form.MKNOD_NEW)),
            Map.entry(OpKind.SYMLINK, List.of(Form.SYMLINK_OVER_EXISTING, Form.SYMLINK_NEW)),
            Map.entry(OpKind.LINK, List.of(Form.LINK_IN_OVER_EXISTING, Form.LINK_IN_NEW)),
            Map.entry(OpKind.RENAME, List.of(Form.RENAME_OUT, Form.RENAME_IN_NEW)),
            Map.entry(OpKind.REMOVE, List.of(Form.REMOVE_EXISTING, Form.REMOVE_ABSENT)),
            Map.entry(OpKind.OPEN_WRITE, List.of(Form.OPEN_WRONLY)),
            Map.entry(OpKind.SETATTR, List.of(Form.SETATTR_NOTHING)),
            Map.entry(OpKind.XATTR_WRITE, List.of(Form.XATTR_SET)),
            Map.entry(OpKind.XATTR_READ, List.of(Form.XATTR_GET)),
            Map.entry(OpKind.WALK, List.of(Form.WALK_EXISTING, Form.WALK)),
            Map.entry(OpKind.GETATTR, List.of(Form.GETATTR)),
            Map.entry(OpKind.OPEN_READ, List.of(Form.OPEN_READ)),
            Map.entry(OpKind.READDIR, List.of(Form.READDIR)),
            Map.entry(OpKind.STATFS, List.of(Form.STATFS)),
            Map.entry(OpKind.LOCK, List.of(Form.LOCK)),
            Map.entry(OpKind.READLINK, List.of(Form.READLINK))));

    /**
     * Forms probed besides {@link #FORMS}' choice: a rule on a rename holds for what is moved onto its glob as well as
     * for what is moved out of it (a gateway that asked only about the source let a script be renamed into
     * {@code /cache/x.sh}; ComplianceMutantsTest).
     */
    private static final Map<OpKind, List<Form>> INTO =
            new EnumMap<>(Map.of(OpKind.RENAME, List.of(Form.RENAME_IN_NEW)));

    /**
     * Forms that give a deny rule's file a name outside the glob, probed for every deny rule whatever its ops: a link
     * or rename is refused where the new name would allow what the rule refuses on the file (docs/policy.md; before,
     * a gateway that let {@code ln /cache/run.sh /x} through, making the script writable as {@code /x}, passed every
     * check, ComplianceMutantsTest). Only on an existing regular file: both leave it as it is (EEXIST, EISDIR).
     */
    private static final List<Form> CARRY_OUT = List.of(Form.LINK_OUT, Form.RENAME_OUT);

    private RuleChecks() {}

    static void run(CheckLog log, Probing p, String idPrefix, Rule rule, List<SharePath> preferredDirs)
            throws IOException {
        run(log, p, idPrefix, rule, preferredDirs, "");
    }

    /**
     * @param asUid empty for the suite's {@code --uid}; else {@code uid-U}, a second guest user's session: after each
     *              check id's glob ({@code rules.ID/as-uid-U/OP}) and in its title
     */
    static void run(CheckLog log, Probing p, String idPrefix, Rule rule, List<SharePath> preferredDirs, String asUid)
            throws IOException {
        String shortId = rule.id().substring(rule.id().indexOf(".rules") + 1);
        for (int g = 0; g < rule.paths().size(); g++) {
            PathPattern glob = rule.paths().get(g);
            Targets targets = Targets.matching(p.view(), glob, preferredDirs, p.ownEntries(), p.token());
            Probing scoped = p.within(glob::matches);
            String subject = (rule.effect() == Effect.DENY ? "deny " : "allow ") + shortId + " " + glob
                    + (asUid.isEmpty() ? "" : " as guest " + asUid.replace('-', ' '));
            String prefix = idPrefix + "/" + shortId + (rule.paths().size() > 1 ? "/" + g : "")
                    + (asUid.isEmpty() ? "" : "/as-" + asUid);
            Set<Form> probed = EnumSet.noneOf(Form.class);
            for (OpKind op : rule.ops().stream().sorted().toList()) {
                Form form = choose(p, FORMS.get(op), op, targets);
                if (form == null) {
                    Attempt a = new Attempt(
                            log,
                            p.session(),
                            prefix + "/" + op.name().toLowerCase(Locale.ROOT),
                            p.share(),
                            "R-POL-2",
                            subject + ": " + op);
                    a.skip(targets.missing() + ", and a new name there could not be removed again");
                    continue;
                }
                FormCheck.run(log, scoped, prefix, "R-POL-2", subject, form, targets);
                probed.add(form);
                Form into = INTO.containsKey(op) ? choose(p, INTO.get(op), op, targets) : null;
                if (into != null && into != form) {
                    FormCheck.run(log, scoped, prefix, "R-POL-2", subject, into, targets);
                    probed.add(into);
                }
            }
            if (rule.effect() == Effect.DENY && targets.file() != null) {
                for (Form out : CARRY_OUT) {
                    if (!probed.contains(out)) {
                        FormCheck.run(log, scoped, prefix, "R-POL-2", subject, out, targets);
                    }
                }
            }
        }
    }

    /** The first form with a target that is harmless to probe (see {@link Form#makes()}). */
    private static Form choose(Probing p, List<Form> forms, OpKind op, Targets targets) {
        Oracle oracle = p.session().oracle();
        for (Form form : forms) {
            SharePath target = targets.forNeeds(form.needs);
            if (target == null) {
                continue;
            }
            boolean refused = !oracle.decide(p.share(), op, target, op.hasDestination() ? target : null, Oracle.NO_GID)
                    .allowed();
            if (!form.makes()
                    || refused
                    || oracle.decide(p.share(), OpKind.REMOVE, target).allowed()) {
                return form;
            }
        }
        return null;
    }
}
