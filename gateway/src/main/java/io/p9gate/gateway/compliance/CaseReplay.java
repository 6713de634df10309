package io.p9gate.gateway.compliance;

import io.p9gate.policy.cli.CaseTarget;
import io.p9gate.policy.load.PolicyTestCase;
import io.p9gate.policy.load.PolicyTestFile;
import io.p9gate.policy.model.PolicyFile;
import io.p9gate.policy.terms.OpKind;
import io.p9gate.policy.terms.SharePath;
import java.io.IOException;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The decision cases of the policy's own test file ({@code --tests FILE}), replayed against the running
 * gateway: each as the uid and gid it names, on its path, with a harmless {@link Form}. Hand-written Cedar
 * cannot be enumerated from the YAML, but its authors' cases name what it decides (telematics: guest root may
 * not stage an update), so they are exercised live too (R-POL-2). What the gateway must answer is still what
 * the policy decides; whether that is what the case expects is {@code policy test}'s business.
 */
final class CaseReplay {
    private final PolicyTestFile tests;

    CaseReplay(PolicyTestFile tests) {
        this.tests = tests;
    }

    /** The cases of one VM's share (named by attach name or host path). */
    List<Placed> casesOf(PolicyFile policy, String vm, String share) {
        return placed(policy, vm).stream()
                .filter(p -> p.error() == null && p.at().share().equals(share))
                .toList();
    }

    /** The cases of a VM that lie nowhere in the policy (a share it does not have, a path outside them). */
    List<Placed> unplaced(PolicyFile policy, String vm) {
        return placed(policy, vm).stream().filter(p -> p.error() != null).toList();
    }

    private List<Placed> placed(PolicyFile policy, String vm) {
        return tests.cases().stream()
                .filter(c -> c.vm().equals(vm))
                .map(c -> Placed.of(policy, c))
                .toList();
    }

    /** A case with where its paths lie, or why they lie nowhere in this policy. */
    record Placed(PolicyTestCase c, CaseTarget at, CaseTarget dest, String error) {
        static Placed of(PolicyFile policy, PolicyTestCase c) {
            try {
                CaseTarget at = CaseTarget.place(policy, c.vm(), c.share(), c.path());
                CaseTarget dest = c.dest() == null ? null : CaseTarget.place(policy, c.vm(), c.share(), c.dest());
                return new Placed(c, at, dest, null);
            } catch (CaseTarget.Unplaceable e) {
                return new Placed(c, null, null, e.getMessage());
            }
        }

        String slug() {
            return c.name()
                    .toLowerCase(Locale.ROOT)
                    .replaceAll("[^a-z0-9]+", "-")
                    .replaceAll("^-|-$", "");
        }
    }

    /**
     * Runs one case on {@code p} (a session as the case's uid and gid); skipped, saying why, where no harmless
     * form reaches its path.
     */
    static void run(CheckLog log, Probing p, String idPrefix, Placed placed) throws IOException {
        PolicyTestCase c = placed.c();
        String title = "policy test case \"" + c.name() + "\" (" + c.pos() + "): " + c.op() + " " + c.path()
                + (c.dest() == null ? "" : " -> " + c.dest()) + " as uid " + c.uid() + ", gid " + c.gid();
        Attempt a = new Attempt(log, p.session(), idPrefix + "/" + placed.slug(), p.share(), "R-POL-2", title);
        if (c.directory()) {
            // Decided by what the directory holds below a ** glob; no harmless form moves a directory.
            a.skip("a directory's rename (directory: true) is not replayed live: moving one is not harmless");
            a.finishIfOpen();
            return;
        }
        SharePath path = placed.at().path();
        ShareView.Entry found = look(p, path);
        Probing seen = found == null ? p : p.seeing(found);
        // Where the policy refuses the walk there, the walk's refusal is the answer, whatever exists.
        boolean walkRefused = !p.session()
                .oracle()
                .walk(p.share(), SharePath.ROOT, path.segments())
                .allowed();
        boolean exists = found != null || walkRefused;
        if (c.op().hasDestination()) {
            twoPaths(seen, a, c.op(), path, placed.dest().path(), exists);
        } else {
            single(seen, a, c.op(), path, exists);
        }
        a.finishIfOpen();
    }

    /** The entry at {@code path} as the VM reaches it (walk and getattr, not part of the check), or null. */
    private static ShareView.Entry look(Probing p, SharePath path) throws IOException {
        ShareView.Entry known = p.view().entries().get(path);
        if (known != null || path.depth() == 0) {
            return known;
        }
        Step walk = p.session().walkTo(p.rootFid(), path);
        if (!walk.ok()) {
            p.release(walk.newFid());
            return null;
        }
        Step attr = p.session().getattr(walk.newFid());
        p.release(walk.newFid());
        return attr.ok()
                ? ShareView.Entry.of(
                        path,
                        ((io.p9gate.gateway.proto.RMessage.Rgetattr)
                                        attr.reply().message())
                                .attr())
                : null;
    }

    private static void single(Probing p, Attempt a, OpKind op, SharePath path, boolean exists) throws IOException {
        if (op == OpKind.WALK && path.depth() == 0) {
            p.release(a.probe(p.session().walk(p.rootFid())).newFid()); // the share root: a walk of no names
            return;
        }
        Optional<Form> form = form(p, op, path, exists);
        SharePath probed = path;
        if (form.isEmpty() && !exists && path.depth() > 0) {
            // Allowed to make a name that is not the suite's: probe a name of its own beside it instead, if the
            // policy decides that one exactly the same way (same answer, same rules).
            SharePath standIn = path.prefix(path.depth() - 1).child(p.token() + "-" + Form.name(path));
            Oracle oracle = p.session().oracle();
            if (oracle.decide(p.share(), op, standIn, null, p.session().gid())
                    .equals(oracle.decide(p.share(), op, path, null, p.session().gid()))) {
                form = form(p, op, standIn, false);
                probed = standIn;
                a.note("probed on " + standIn + ", a name of the suite's own that the policy decides the same way");
            }
        }
        if (form.isEmpty()) {
            a.skip(path
                    + (exists
                            ? " exists, and " + op + " on it could not be undone"
                            : " does not exist here, and " + op + " needs an existing entry"));
            return;
        }
        form.get().run(p, a, probed);
    }

    /** The harmless form of the kind for this path, as in the rule checks; empty if there is none. */
    private static Optional<Form> form(Probing p, OpKind op, SharePath path, boolean exists) {
        for (Form f : Form.of(op)) {
            ShareView.Entry entry = p.view().entries().get(path);
            boolean fits = switch (f.needs) {
                case NEW_NAME -> !exists;
                case ANY_NAME -> path.depth() > 0;
                case EXISTING_ENTRY -> exists && path.depth() > 0;
                case EXISTING_ANY -> exists;
                case EXISTING_FILE -> exists && (entry == null || entry.isFile());
                case EXISTING_DIR -> exists && p.isDirectory(path);
            };
            // A new name only where the policy refuses it (nothing is made unless the gateway is wrong, and then it
            // is removed), or where the name is the suite's own and may be removed again.
            boolean refused = !p.session()
                    .oracle()
                    .decide(p.share(), op, path, null, p.session().gid())
                    .allowed();
            boolean own = path.depth() > 0 && Form.name(path).startsWith(p.token());
            boolean undoable = !f.makes()
                    || refused
                    || (own
                            && p.session()
                                    .oracle()
                                    .decide(p.share(), OpKind.REMOVE, path)
                                    .allowed());
            if (fits && undoable) {
                return Optional.of(f);
            }
        }
        return Optional.empty();
    }

    /**
     * Rename and link as the case names them, where the host or the policy makes them harmless: a rename from
     * a name that does not exist (ENOENT once let through), a link onto a name that exists (EEXIST); a rename
     * or link the policy refuses (made only if the gateway is wrong, and then undone).
     */
    private static void twoPaths(Probing p, Attempt a, OpKind op, SharePath path, SharePath dest, boolean exists)
            throws IOException {
        boolean destExists = look(p, dest) != null;
        boolean refused = !p.session()
                .oracle()
                .decide(p.share(), op, path, dest, Oracle.NO_GID)
                .allowed();
        if (op == OpKind.RENAME && !exists) {
            Form.renameInto(p, a, path, dest, io.p9gate.gateway.proto.Errno.ENOENT);
        } else if (op == OpKind.RENAME && refused && !destExists) {
            Step step = Form.renameInto(p, a, path, dest);
            if (step != null && step.ok()) p.undoRename(a, dest, path);
        } else if (op == OpKind.LINK && exists && destExists) {
            Form.link(p, a, path, dest, io.p9gate.gateway.proto.Errno.EEXIST);
        } else if (op == OpKind.LINK && exists && refused) {
            Step step = Form.link(p, a, path, dest);
            if (step != null && step.ok()) p.undoCreate(a, dest, false);
        } else {
            a.skip(
                    op == OpKind.RENAME
                            ? path + " exists here and the policy allows moving it: the suite does not move "
                                    + "live files"
                            : exists
                                    ? dest + " does not exist here and the policy allows making it"
                                    : path + " does not exist here");
        }
    }
}
