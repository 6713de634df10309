package io.p9gate.gateway.compliance;

import io.p9gate.gateway.proto.DirEntry;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.RMessage;
import io.p9gate.policy.model.Subtree;
import io.p9gate.policy.terms.SharePath;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Read-only subtrees refuse every kind of write (R-POL-3); hidden subtrees do not exist for the VM: not
 * reachable by walking, not listed, not creatable (R-POL-4). Derived from the share's {@code read-only} and
 * {@code hidden} lists (and {@code access: read-only}, a read-only subtree at the root).
 */
final class SubtreeChecks {
    /** Every write form, each with its own check: what the issue and R-POL-3 list, one by one. */
    static final List<Form> WRITE_FORMS =
            Arrays.stream(Form.values()).filter(f -> f.op.isWrite()).toList();
    /** The hidden subtree as a name: walked to, read, created over, linked out (renamed onto: {@link #renameIn}). */
    private static final List<Form> HIDDEN_FORMS =
            List.of(Form.WALK, Form.GETATTR, Form.CREATE_NEW, Form.MKDIR_NEW, Form.LINK_OUT);

    private SubtreeChecks() {}

    static void readOnly(CheckLog log, Probing p, String idPrefix, SharePath top, String what) throws IOException {
        Targets targets = Targets.inSubtree(p.view(), top, p.token());
        Probing scoped = p.within(path -> path.isWithin(top));
        for (Form form : WRITE_FORMS) {
            FormCheck.run(log, scoped, idPrefix, "R-POL-3", what, form, targets);
        }
    }

    static void hidden(CheckLog log, Probing p, String idPrefix, Subtree hidden, Optional<HostShare> host)
            throws IOException {
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
        renameIn(log, scoped, idPrefix, top, host);
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
        renameOut(log, p, idPrefix, top);
        remove(log, p, idPrefix, top, host);
        notListed(log, p, idPrefix, top);
    }

    /**
     * Trenameat of an entry of the suite's onto the hidden name. The gateway says nothing is there, but the host may
     * hold something, which a rename let through would replace, and the suite could not move its file back out of a
     * hidden name (before, a gateway that let renames onto it through, as able to replace, left the suite's file
     * where the hidden file was, HiddenFileProbeDamageAttackTest). So the form follows what the host shows: nothing,
     * the suite's file moved there (and back); a directory, the suite's file onto it (EISDIR); anything else, the
     * suite's directory onto it (ENOTDIR). Without that entry of the suite's, or where the host cannot be read, a
     * name that does not exist is renamed onto it (ENOENT).
     */
    private static void renameIn(CheckLog log, Probing p, String idPrefix, SharePath top, Optional<HostShare> host)
            throws IOException {
        Optional<HostShare.Entry> there = host.flatMap(h -> h.entry(top));
        boolean absent = there.orElse(null) == HostShare.Entry.ABSENT;
        boolean isDir = there.orElse(null) == HostShare.Entry.DIRECTORY;
        SharePath source = absent || isDir ? p.ownFile() : p.ownDir();
        Attempt a = new Attempt(
                log,
                p.session(),
                idPrefix + "/" + Form.RENAME_IN_NEW.slug(),
                p.share(),
                "R-POL-4",
                "hidden " + top + ": rename onto it");
        if (there.isEmpty() || source == null) {
            // No harmless form with an entry of the suite's: a name that does not exist, which moves nothing (ENOENT).
            Form.renameInto(p, a, p.absentBeside(top), top, Errno.ENOENT);
        } else if (absent) {
            Step step = Form.renameInto(p, a, source, top);
            if (step != null && step.ok()) {
                p.undoRename(a, top, source);
            }
        } else {
            Form.renameInto(p, a, source, top, isDir ? Errno.EISDIR : Errno.ENOTDIR);
        }
        a.finishIfOpen();
    }

    /**
     * Trenameat of the hidden name, which needs no walk into it, out onto the directory holding the suite's own file:
     * moved, the hidden entry would be visible there (before, a gateway that let it through passed every check,
     * ComplianceMutantsTest). The suite cannot see whether it is a file or a directory, so the destination is a
     * directory that is not empty: the host refuses a file (EISDIR) and a directory (ENOTEMPTY, EEXIST) alike, and
     * nothing moves. Without a file of the suite's own, onto its own name, which changes nothing.
     */
    private static void renameOut(CheckLog log, Probing p, String idPrefix, SharePath top) throws IOException {
        SharePath own = p.ownFile();
        SharePath onto = own == null || own.depth() < 2 ? top : own.prefix(own.depth() - 1);
        Attempt a = new Attempt(
                log,
                p.session(),
                idPrefix + "/rename-out",
                p.share(),
                "R-POL-4",
                "hidden " + top + ": trenameat of the name out, onto " + onto);
        Form.renameInto(p, a, top, onto, Errno.EISDIR, Errno.ENOTEMPTY, Errno.EEXIST);
        a.finishIfOpen();
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

    /**
     * Tunlinkat of the hidden name (no walk into it needed): let through, it would delete what the VM may not even
     * see (before, no probe sent it, ComplianceMutantsTest). With the wrong flag for its type, which only the host
     * shows: a directory without AT_REMOVEDIR is EISDIR, anything else with it ENOTDIR, so nothing is removed.
     * Skipped where the suite cannot read the share's directory on the host: no form is harmless for every type
     * (AT_REMOVEDIR removes an empty directory, no flag anything but a directory), the name's parent is the only
     * directory a Tunlinkat can name, and a name that does not exist answers ENOENT, the hidden refusal's own errno, so
     * it could not tell a gateway that lets the request through from one that refuses it.
     */
    private static void remove(CheckLog log, Probing p, String idPrefix, SharePath top, Optional<HostShare> host)
            throws IOException {
        Optional<Boolean> directory = host.flatMap(h -> h.entry(top)).map(e -> e == HostShare.Entry.DIRECTORY);
        Attempt a = new Attempt(
                log,
                p.session(),
                idPrefix + "/remove-existing",
                p.share(),
                "R-POL-4",
                "hidden " + top + ": tunlinkat of the name"
                        + directory
                                .map(d -> d ? " (a directory, without AT_REMOVEDIR)" : " (with AT_REMOVEDIR)")
                                .orElse(""));
        if (directory.isEmpty()) {
            a.skip("cannot tell on the host whether " + top
                    + " is a directory (no read access to the share's directory): no harmless form (AT_REMOVEDIR"
                    + " would remove an empty directory, no flag anything else)");
            return;
        }
        boolean isDir = directory.get();
        Form.inParent(
                p,
                a,
                top,
                dir -> a.probe(
                        p.session().unlinkat(dir, Form.name(top), isDir ? 0 : GuestSession.AT_REMOVEDIR),
                        isDir ? Errno.EISDIR : Errno.ENOTDIR));
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
