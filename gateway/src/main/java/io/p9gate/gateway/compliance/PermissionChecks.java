package io.p9gate.gateway.compliance;

import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.SetAttr;
import io.p9gate.policy.model.SharePolicy;
import io.p9gate.policy.terms.OpKind;
import io.p9gate.policy.terms.SharePath;
import java.io.IOException;
import java.util.List;
import java.util.Optional;

/**
 * {@code permissions: enforce} (docs/policy.md, "Who is the principal"): the gateway acts on the host as each
 * request's guest user, so one guest user cannot open another's 0600 file. The VM is its transport, but the guest
 * user is the Tattach's n_uname: the suite attaches over the VM's own listener as two guest users its map makes two
 * ordinary host users ({@link GuestUsers}). User A makes a 0600 file in the suite's scratch directory (opened to
 * every user, sticky, for the purpose); user B walks to it and opens it for reading. A gateway that enforces answers
 * EACCES; one that acts with its own credentials opens it. A removes its file again.
 */
final class PermissionChecks {
    /** Sticky and writable by all, as /tmp: A may create there, B may not remove what A made. */
    private static final int SHARED_DIR_MODE = 01777;

    private final VmRun vm;
    private final SharePolicy share;
    private final int root;
    private final Attempt check;

    private PermissionChecks(VmRun vm, SharePolicy share, int root, String id) {
        this.vm = vm;
        this.share = share;
        this.root = root;
        this.check = new Attempt(
                vm.log(),
                vm.session(),
                id,
                share.name(),
                "R-POL-2",
                "permissions: enforce: a guest user cannot open another guest user's 0600 file");
    }

    /**
     * The check of a share with {@code permissions: enforce}, in the suite's place {@code own}; {@code root} is the
     * share's root fid on the suite's own session.
     */
    static void run(VmRun vm, SharePolicy share, int root, Optional<Probing.OwnPlace> own, String id)
            throws IOException {
        PermissionChecks checks = new PermissionChecks(vm, share, root, id);
        checks.probe(own);
        checks.check.finishIfOpen();
    }

    private void probe(Optional<Probing.OwnPlace> own) throws IOException {
        if (own.isEmpty()) {
            check.skip("the suite has no place of its own in this share to make a file in (read-only, or nowhere "
                    + "the policy lets the VM write)");
            return;
        }
        Place place = own.get().place();
        if (!place.scratch()) {
            check.skip("the suite's place is names in an existing directory: only a directory of its own may be "
                    + "opened to a second guest user");
            return;
        }
        GuestUsers users;
        switch (GuestUsers.of(vm.session().oracle().engine().idMap(vm.name()))) {
            case GuestUsers.None none -> {
                check.skip(none.why());
                return;
            }
            case GuestUsers.Found found -> users = found.users();
        }
        SharePath file = place.path("perm");
        String refused = policyRefuses(users, place.dir(), file);
        if (refused != null) {
            check.skip("the policy itself refuses " + refused + ": host permissions cannot be told apart from it");
            return;
        }
        if (!openToAll(place.dir())) {
            return;
        }
        VmRun.IdSession a;
        try {
            a = vm.sessionAs(users.uidA(), users.gidA());
        } catch (IOException e) {
            check.skip(vm.refusedAtAccept(e));
            return;
        }
        if (!made(a, users.uidA(), place.dir(), file)) {
            return;
        }
        try {
            VmRun.IdSession b;
            try {
                b = vm.sessionAs(users.uidB(), (int) Oracle.NO_GID);
            } catch (IOException e) {
                check.skip(vm.refusedAtAccept(e));
                return;
            }
            opened(b, users, file);
        } finally {
            removeAsOwner(a, users.uidA(), file);
        }
        if (users.sameGroup()) {
            check.note("the gid map leaves user " + users.uidB() + " in the file's group; its mode gives the group "
                    + "nothing");
        }
    }

    /** What the policy refuses of the probe's requests as A or B, or null when it allows them all. */
    private String policyRefuses(GuestUsers users, SharePath dir, SharePath file) {
        Oracle main = vm.session().oracle();
        Oracle a = new Oracle(main.engine(), vm.name(), users.uidA());
        Oracle b = new Oracle(main.engine(), vm.name(), users.uidB());
        String s = share.name();
        if (!main.decide(s, OpKind.SETATTR, dir).allowed()) {
            return "the mode change of the suite's directory " + dir;
        }
        if (!a.walk(s, SharePath.ROOT, dir.segments()).allowed()
                || !a.decide(s, OpKind.CREATE, file, null, users.gidA()).allowed()
                || !a.decide(s, OpKind.REMOVE, file).allowed()) {
            return "uid " + users.uidA() + " the create or removal of " + file;
        }
        if (!b.walk(s, SharePath.ROOT, file.segments()).allowed()
                || !b.decide(s, OpKind.OPEN_READ, file).allowed()) {
            return "uid " + users.uidB() + " the walk to or read of " + file;
        }
        return null;
    }

    /** The suite's own directory made sticky and writable by every user (a setup step of the check). */
    private boolean openToAll(SharePath dir) throws IOException {
        GuestSession session = vm.session();
        session.begin(check.id());
        Step walked = check.setup(session.walkTo(root, dir));
        if (!walked.ok()) {
            return false;
        }
        SetAttr mode = new SetAttr(SetAttr.SETATTR_MODE, SHARED_DIR_MODE, 0, 0, 0, 0, 0, 0, 0);
        Step set = check.setup(session.setattr(walked.newFid(), mode, "mode 1777"));
        session.release(walked.newFid());
        return set.ok();
    }

    /** Owner A's 0600 file, made as A (setup steps). */
    private boolean made(VmRun.IdSession a, int uid, SharePath dir, SharePath file) throws IOException {
        Step root = attached(a, uid);
        if (root == null) {
            return false;
        }
        Step walked = check.setup(a.session().walkTo(root.newFid(), dir));
        if (!walked.ok()) {
            return false;
        }
        Step created = check.setup(a.session()
                .lcreate(
                        walked.newFid(),
                        Form.name(file),
                        GuestSession.O_WRONLY | GuestSession.O_CREAT | GuestSession.O_EXCL,
                        0600));
        a.session().release(walked.newFid());
        return created.ok();
    }

    /** User B's Tlopen O_RDONLY of A's file: the probe, expected refused by the host's modes. */
    private void opened(VmRun.IdSession b, GuestUsers users, SharePath file) throws IOException {
        Step root = attached(b, users.uidB());
        if (root == null) {
            return;
        }
        Step walked = check.setup(b.session().walkTo(root.newFid(), file));
        if (!walked.ok()) {
            return;
        }
        Expected hostRefuses = Expected.deny(Errno.EACCES, List.of(share.idPrefix() + ".permissions"));
        Step open = check.probe(
                b.session().lopen(walked.newFid(), GuestSession.O_RDONLY).expecting(hostRefuses));
        b.session().release(walked.newFid());
        if (open.ok()) {
            check.fail("guest uid " + users.uidB() + " opened guest uid " + users.uidA() + "'s 0600 file " + file
                    + ": the gateway does not act on the host as each guest user");
        } else if (open.errno() != Errno.EACCES) {
            check.fail("the host's modes refuse it with EACCES; the gateway answered "
                    + open.reply().describe());
        }
    }

    /** The session's attach of the share, its requests marked as this check's; null (the check ended) if refused. */
    private Step attached(VmRun.IdSession as, int uid) {
        Step root = as.root(share.name(), vm);
        as.session().begin(check.id());
        if (root == null || !root.ok()) {
            check.skip("cannot attach " + share.name() + " as uid " + uid + ": "
                    + (root == null ? "connection failed" : root.reply().describe()));
            return null;
        }
        return root;
    }

    /** A removes its file; what it cannot remove the share's cleanup removes with the place. */
    private void removeAsOwner(VmRun.IdSession a, int uid, SharePath file) throws IOException {
        Step dir = a.session().walkTo(a.root(share.name(), vm).newFid(), file.prefix(file.depth() - 1));
        Step removed = dir.ok() ? a.session().unlinkat(dir.newFid(), Form.name(file), 0) : dir;
        if (dir.ok()) {
            a.session().release(dir.newFid());
        }
        if (!removed.ok()) {
            check.note("uid " + uid + " could not remove " + file + " ("
                    + removed.reply().describe() + "); the suite's cleanup removes it with its place");
        }
    }
}
