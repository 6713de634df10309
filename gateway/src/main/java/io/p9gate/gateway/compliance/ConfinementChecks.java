package io.p9gate.gateway.compliance;

import io.p9gate.gateway.proto.Qid;
import io.p9gate.gateway.proto.RMessage;
import io.p9gate.policy.terms.OpKind;
import io.p9gate.policy.terms.SharePath;
import java.io.IOException;
import java.util.List;

/**
 * No request leaves the share (R-CONF-1): ".." at the share root stays at the root, and a symlink the VM
 * makes pointing outside is never followed by the gateway (a walk through it stops, an open fails).
 */
final class ConfinementChecks {
    private ConfinementChecks() {}

    static void dotDot(CheckLog log, Probing p, String idPrefix, Qid rootQid) throws IOException {
        dotDot(
                log,
                p,
                idPrefix + "/dotdot",
                "twalk .. from the share root stays at the root (or is refused)",
                List.of(".."),
                rootQid);
        dotDot(
                log,
                p,
                idPrefix + "/dotdot-deep",
                "twalk ../../.. from the share root stays at the root (or is refused)",
                List.of("..", "..", ".."),
                rootQid);
    }

    /** Confined either way: the walk ends at the root's qid, or the gateway refuses it; anything else escaped. */
    private static void dotDot(CheckLog log, Probing p, String id, String title, List<String> names, Qid rootQid)
            throws IOException {
        Attempt a = new Attempt(log, p.session(), id, p.share(), "R-CONF-1", title);
        Step walk = a.probe(p.session().walk(p.rootFid(), names.toArray(String[]::new)));
        p.release(walk.newFid());
        if (!walk.ok()) {
            a.pass("refused: " + walk.reply().describe());
            return;
        }
        List<Qid> qids = ((RMessage.Rwalk) walk.reply().message()).qids();
        if (qids.getLast().path() != rootQid.path()) {
            a.fail("reached qid path " + Long.toHexString(qids.getLast().path()) + ", not the root's "
                    + Long.toHexString(rootQid.path()));
        } else {
            a.pass("stayed at the root");
        }
    }

    /** Symlinks made in the suite's place, pointing out of the share, relative and absolute. */
    static void symlinks(CheckLog log, Probing p, String idPrefix) throws IOException {
        Probing.OwnPlace own = p.place().orElseThrow();
        SharePath probe = own.place().path("escape");
        if (!p.session()
                .oracle()
                .decide(p.share(), OpKind.SYMLINK, probe, null, p.session().gid())
                .allowed()) {
            return; // the policy lets this VM make no symlink here; the rule checks show the refusal
        }
        String up = "../".repeat(probe.depth() + 8);
        symlink(log, p, own, idPrefix + "/symlink-relative", "escape-rel", up + "etc");
        symlink(log, p, own, idPrefix + "/symlink-absolute", "escape-abs", "/etc");
    }

    private static void symlink(CheckLog log, Probing p, Probing.OwnPlace own, String id, String label, String target)
            throws IOException {
        SharePath link = own.place().path(label);
        GuestSession s = p.session();
        Attempt a = new Attempt(
                log,
                s,
                id,
                p.share(),
                "R-CONF-1",
                "a symlink " + link + " -> " + target + " is not followed: twalk through it and tlopen of it fail");
        int dir = p.walk(a, own.place().dir());
        if (dir < 0 || !a.setup(s.symlink(dir, Form.name(link), target)).ok()) {
            p.release(dir);
            a.finishIfOpen();
            return;
        }
        Step through = a.probe(s.walk(dir, Form.name(link), "passwd"));
        p.release(through.newFid());
        Step toLink = a.setup(s.walk(dir, Form.name(link)));
        Step open = toLink.ok() ? a.probe(s.lopen(toLink.newFid(), GuestSession.O_RDONLY)) : null;
        p.release(toLink.newFid());
        s.unlinkat(dir, Form.name(link), 0);
        p.release(dir);
        if (through.ok()) {
            a.fail("twalk " + Form.name(link) + "/passwd reached a file outside the share");
        } else if (open != null && open.ok()) {
            a.fail("tlopen of the symlink opened what it points to");
        } else {
            a.pass("twalk through it: " + through.reply().describe() + "; tlopen: "
                    + (open == null ? "not reached" : open.reply().describe()));
        }
    }
}
