package io.p9gate.gateway.compliance;

import io.p9gate.gateway.proto.Attr;
import io.p9gate.gateway.proto.SetAttr;
import io.p9gate.policy.ids.IdMap;
import io.p9gate.policy.ids.IdMapping;
import io.p9gate.policy.terms.SharePath;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;

/**
 * What the probe {@link Form}s of one share need: the session and the share's root fid, the entries the VM
 * can see (to find files and directories to use as the other side of a link or rename), the suite's own
 * place, and how to undo a probe that made something it should not have been allowed to.
 *
 * @param scope the paths being probed (a read-only subtree, a rule's matches): the other side of a link or
 *              rename is taken from outside it where there is such an entry
 * @param touched directories whose mtime the suite's own changes leave changed: a probe made and removed a name
 *              there and could not set the times back (the policy lets the VM create and remove there, not change
 *              the directory's attributes); the share's {@code unchanged} check leaves their mtime aside
 */
record Probing(
        GuestSession session,
        int rootFid,
        String share,
        ShareView view,
        Optional<OwnPlace> place,
        String token,
        Predicate<SharePath> scope,
        Set<SharePath> touched) {

    /** The suite's place with what it made there to serve as the other side of probes. */
    record OwnPlace(Place place, SharePath file, SharePath dir) {}

    /** The same, seeing one more entry than the view had (one reached by walking, not listing). */
    Probing seeing(ShareView.Entry entry) {
        return new Probing(session, rootFid, share, view.with(entry), place, token, scope, touched);
    }

    Probing within(Predicate<SharePath> newScope) {
        return new Probing(session, rootFid, share, view, place, token, newScope, touched);
    }

    /** Walks from the share root to {@code path} as a setup step; the new fid, or -1 (the attempt knows why). */
    int walk(Attempt a, SharePath path) throws IOException {
        return a.setup(session.walkTo(rootFid, path)).newFid();
    }

    void release(int... fids) throws IOException {
        for (int fid : fids) {
            if (fid >= 0) {
                session.release(fid);
            }
        }
    }

    boolean isDirectory(SharePath path) {
        ShareView.Entry e = view.entries().get(path);
        return path.depth() == 0
                || (e != null && e.isDirectory())
                || place.map(o -> path.equals(o.dir())).orElse(false);
    }

    /** The suite's own file and directory as entries, for probes that need an entry a rule's glob matches. */
    List<ShareView.Entry> ownEntries() {
        List<ShareView.Entry> out = new ArrayList<>();
        place.ifPresent(own -> {
            out.add(new ShareView.Entry(own.file(), ShareView.S_IFREG | 0644, 0, 0, 0, 0, 0, 0, 0));
            if (own.dir() != null) {
                out.add(new ShareView.Entry(own.dir(), ShareView.S_IFDIR | 0755, 0, 0, 0, 0, 0, 0, 0));
            }
        });
        return out;
    }

    /**
     * A name beside {@code path} that carries the run's token and that the suite never makes: the source of a rename
     * that must move nothing (ENOENT if let through) while the policy is still asked about the destination.
     */
    SharePath absentBeside(SharePath path) {
        return path.prefix(path.depth() - 1).child(token + "-absent");
    }

    /** The suite's own file, if it has a place here. */
    SharePath ownFile() {
        return place.map(OwnPlace::file).orElse(null);
    }

    /** The suite's own directory, if the policy let it make one in its place. */
    SharePath ownDir() {
        return place.map(OwnPlace::dir).orElse(null);
    }

    /** A regular file other than {@code target}: the suite's own, else one outside the scope, else any. */
    SharePath otherFile(SharePath target) {
        if (ownFile() != null) {
            return ownFile();
        }
        return pick(e -> e.isFile() && !e.path().isWithin(target));
    }

    /** A directory other than the root and {@code target}'s own ancestors: the suite's own, else an existing one. */
    SharePath otherDir(SharePath target) {
        if (place.isPresent() && place.get().dir() != null) {
            return place.get().dir();
        }
        return pick(e -> e.isDirectory()
                && e.path().depth() > 0
                && !target.isWithin(e.path())
                && !e.path().isWithin(target));
    }

    private SharePath pick(Predicate<ShareView.Entry> wanted) {
        Comparator<ShareView.Entry> outsideFirst = Comparator.comparing(e -> scope.test(e.path()));
        return view.entries().values().stream()
                .filter(wanted)
                .sorted(outsideFirst.thenComparing(e -> e.path().toString()))
                .map(ShareView.Entry::path)
                .findFirst()
                .orElse(null);
    }

    /** Whether the ids getattr shows map back to exactly the host ids the file has (so a chown to them changes nothing). */
    boolean idsRoundTrip(Attr attr) {
        IdMap ids = session.oracle().engine().idMap(session.oracle().vm());
        return exact(ids.uids(), Integer.toUnsignedLong(attr.uid()))
                && exact(ids.gids(), Integer.toUnsignedLong(attr.gid()));
    }

    private static boolean exact(IdMapping mapping, long shown) {
        if (mapping.squash() != null) {
            return shown == mapping.squash();
        }
        return shown != mapping.overflow() && mapping.isMapped(shown);
    }

    /**
     * A probe made {@code path} although it was to be refused: remove it again, give its directory back the
     * times it had (as the VM saw them before the probes), and say so in the check.
     */
    void undoCreate(Attempt a, SharePath path, boolean directory) throws IOException {
        SharePath parent = path.prefix(path.depth() - 1);
        Step walk = session.walkTo(rootFid, parent);
        String outcome;
        if (!walk.ok()) {
            outcome = "cannot reach " + parent + " (" + walk.reply().describe() + ")";
        } else {
            Step removed = session.unlinkat(walk.newFid(), Form.name(path), directory ? GuestSession.AT_REMOVEDIR : 0);
            restoreTimes(walk.newFid(), parent);
            session.release(walk.newFid());
            outcome = removed.ok() ? null : removed.reply().describe();
        }
        a.note(
                outcome == null
                        ? "the probe made " + path + "; removed again"
                        : "the probe made " + path + " and could not remove it (" + outcome + "): remove it by hand");
    }

    /** Sets a directory's atime and mtime back to what the VM saw before the probes, if it saw them. */
    private void restoreTimes(int fid, SharePath dir) throws IOException {
        ShareView.Entry before = view.entries().get(dir);
        if (before != null) {
            Step set = session.setattr(
                    fid,
                    new SetAttr(
                            Form.TIMES,
                            0,
                            0,
                            0,
                            0,
                            before.atimeSec(),
                            before.atimeNsec(),
                            before.mtimeSec(),
                            before.mtimeNsec()),
                    "times as before the probes");
            if (!set.ok()) {
                touched.add(dir);
            }
        }
    }

    /** A probe moved the suite's own file to {@code from}: move it back to {@code to}. */
    void undoRename(Attempt a, SharePath from, SharePath to) throws IOException {
        Step oldDir = session.walkTo(rootFid, from.prefix(from.depth() - 1));
        Step newDir = oldDir.ok() ? session.walkTo(rootFid, to.prefix(to.depth() - 1)) : oldDir;
        boolean back = newDir.ok()
                && session.renameat(oldDir.newFid(), Form.name(from), newDir.newFid(), Form.name(to))
                        .ok();
        if (oldDir.ok()) {
            restoreTimes(oldDir.newFid(), from.prefix(from.depth() - 1));
        }
        release(oldDir.newFid(), newDir.newFid());
        a.note(
                back
                        ? "the probe moved " + to + " to " + from + "; moved back"
                        : "the probe moved " + to + " to " + from + " and could not move it back: remove it by hand");
    }
}
