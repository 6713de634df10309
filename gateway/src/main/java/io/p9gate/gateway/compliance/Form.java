package io.p9gate.gateway.compliance;

import io.p9gate.gateway.proto.Attr;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.RMessage;
import io.p9gate.gateway.proto.SetAttr;
import io.p9gate.policy.terms.OpKind;
import io.p9gate.policy.terms.SharePath;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * One way of asking for an operation kind on one path, built so that it changes nothing on the host when the
 * gateway lets it through (then the host call fails in a known way: {@code EEXIST} for a name that exists,
 * {@code ENOTDIR} for AT_REMOVEDIR on a file, {@code EISDIR} for a rename of a file onto a directory, no-op
 * attribute values...) or, for a new name, so that what it made is removed again
 * at once. Either way the request reaches the policy first, which is what the check is about. See
 * docs/compliance.md, "Safe on a live system".
 */
enum Form {
    CREATE_NEW(OpKind.CREATE, "lcreate of a new name", Needs.NEW_NAME) {
        void run(Probing p, Attempt a, SharePath target) throws IOException {
            makeNew(
                    p,
                    a,
                    target,
                    false,
                    dir -> p.session()
                            .lcreate(
                                    dir,
                                    name(target),
                                    GuestSession.O_WRONLY | GuestSession.O_CREAT | GuestSession.O_EXCL,
                                    0644));
        }
    },
    CREATE_OVER_EXISTING(OpKind.CREATE, "lcreate (O_EXCL) over an existing name", Needs.EXISTING_ENTRY) {
        void run(Probing p, Attempt a, SharePath target) throws IOException {
            int dir = p.walk(a, target.prefix(target.depth() - 1));
            if (dir < 0) return;
            a.probe(
                    p.session()
                            .lcreate(
                                    dir,
                                    name(target),
                                    GuestSession.O_WRONLY | GuestSession.O_CREAT | GuestSession.O_EXCL,
                                    0644),
                    Errno.EEXIST);
            p.session().release(dir);
        }
    },
    MKDIR_NEW(OpKind.MKDIR, "mkdir of a new name", Needs.NEW_NAME) {
        void run(Probing p, Attempt a, SharePath target) throws IOException {
            makeNew(p, a, target, true, dir -> p.session().mkdir(dir, name(target), 0755));
        }
    },
    MKDIR_OVER_EXISTING(OpKind.MKDIR, "mkdir over an existing name", Needs.EXISTING_ENTRY) {
        void run(Probing p, Attempt a, SharePath target) throws IOException {
            inParent(p, a, target, dir -> a.probe(p.session().mkdir(dir, name(target), 0755), Errno.EEXIST));
        }
    },
    MKNOD_NEW(OpKind.MKNOD, "mknod (fifo) of a new name", Needs.NEW_NAME) {
        void run(Probing p, Attempt a, SharePath target) throws IOException {
            makeNew(p, a, target, false, dir -> p.session().mkfifo(dir, name(target)));
        }
    },
    MKNOD_OVER_EXISTING(OpKind.MKNOD, "mknod over an existing name", Needs.EXISTING_ENTRY) {
        void run(Probing p, Attempt a, SharePath target) throws IOException {
            inParent(p, a, target, dir -> a.probe(p.session().mkfifo(dir, name(target)), Errno.EEXIST));
        }
    },
    SYMLINK_NEW(OpKind.SYMLINK, "symlink of a new name", Needs.NEW_NAME) {
        void run(Probing p, Attempt a, SharePath target) throws IOException {
            makeNew(p, a, target, false, dir -> p.session().symlink(dir, name(target), "p9gate-compliance"));
        }
    },
    SYMLINK_OVER_EXISTING(OpKind.SYMLINK, "symlink over an existing name", Needs.EXISTING_ENTRY) {
        void run(Probing p, Attempt a, SharePath target) throws IOException {
            inParent(
                    p,
                    a,
                    target,
                    dir -> a.probe(p.session().symlink(dir, name(target), "p9gate-compliance"), Errno.EEXIST));
        }
    },
    LINK_IN_NEW(OpKind.LINK, "link of a file from elsewhere to a new name", Needs.NEW_NAME) {
        void run(Probing p, Attempt a, SharePath target) throws IOException {
            SharePath source = p.otherFile(target);
            if (source == null) {
                a.skip("no file outside " + target + " to link from");
                return;
            }
            Step step = link(p, a, source, target);
            if (step != null && step.ok()) p.undoCreate(a, target, false);
        }
    },
    LINK_IN_OVER_EXISTING(OpKind.LINK, "link of a file from elsewhere over an existing name", Needs.EXISTING_ENTRY) {
        void run(Probing p, Attempt a, SharePath target) throws IOException {
            // With no other file in reach, the target itself: a link onto its own name is EEXIST as well.
            SharePath source = p.otherFile(target);
            link(p, a, source == null ? target : source, target, Errno.EEXIST);
        }
    },
    LINK_OUT(OpKind.LINK, "link of the file to a name elsewhere", Needs.EXISTING_FILE) {
        void run(Probing p, Attempt a, SharePath target) throws IOException {
            // Onto the name of a file that exists elsewhere: the host refuses (EEXIST) if the gateway does not.
            SharePath onto = p.otherFile(target);
            link(p, a, target, onto == null ? target : onto, Errno.EEXIST);
        }
    },
    RENAME_OUT(OpKind.RENAME, "rename of the entry to elsewhere", Needs.EXISTING_ENTRY) {
        void run(Probing p, Attempt a, SharePath target) throws IOException {
            // Onto an existing entry of the other type: a file onto a directory is EISDIR, a directory onto a
            // file ENOTDIR, so the host refuses it even if the gateway does not. With no such entry in reach,
            // onto itself: a rename to its own name changes nothing.
            boolean isDir = p.isDirectory(target);
            SharePath onto = isDir ? p.otherFile(target) : p.otherDir(target);
            renameInto(p, a, target, onto == null ? target : onto, isDir ? Errno.ENOTDIR : Errno.EISDIR);
        }
    },
    RENAME_IN_NEW(OpKind.RENAME, "rename of a file from elsewhere to a new name", Needs.NEW_NAME) {
        void run(Probing p, Attempt a, SharePath target) throws IOException {
            SharePath source = p.ownFile();
            if (source == null) {
                // No file of the suite's own to move: a name that does not exist moves nothing (ENOENT).
                source = p.absentBeside(target);
                renameInto(p, a, source, target, Errno.ENOENT);
                return;
            }
            // Trenameat has no RENAME_NOREPLACE (9P2000.L carries no flags), so between the walk below and the rename a
            // production process could create the name and lose its file to the suite's. Only a name of the suite's own
            // (its run's random token first) is renamed onto; any other (a literal glob, an absent subtree's own name)
            // gets a name that does not exist as the source, which moves nothing (ENOENT;
            // RenameIntoProductionNameComplianceTest).
            if (!name(target).startsWith(p.token())) {
                renameInto(p, a, p.absentBeside(target), target, Errno.ENOENT);
                return;
            }
            // A rename replaces what has the new name, and a "new" name is only one the suite did not see: beyond
            // --max-entries, in a directory it may not list, hidden. Only a name the gateway says is not there is
            // renamed onto; a walk the policy refuses that the gateway lets through decides the check.
            Step there = p.session().walkTo(p.rootFid(), target);
            p.release(there.newFid());
            if (there.ok()) {
                if (there.expected() != null && !there.expected().allowed()) {
                    a.probe(there);
                } else {
                    a.skip(target + " exists (the suite had not seen it): a rename onto it would replace it");
                }
                return;
            }
            if (there.expected() != null && !there.expected().allowed()) {
                // The policy refuses the walk: the gateway's answer says nothing of what has the name, and a broken
                // gateway letting the rename through could replace it, beyond the suite's reach to move its file back
                // (HiddenFileProbeDamageAttackTest).
                // So the source is a name that does not exist, which moves nothing (ENOENT).
                renameInto(p, a, p.absentBeside(target), target, Errno.ENOENT);
                return;
            }
            Step step = renameInto(p, a, source, target);
            if (step != null && step.ok()) p.undoRename(a, target, source);
        }
    },
    RENAME_ONTO_EXISTING(
            OpKind.RENAME, "rename of an entry from elsewhere onto an existing name", Needs.EXISTING_ENTRY) {
        void run(Probing p, Attempt a, SharePath target) throws IOException {
            boolean isDir = p.isDirectory(target);
            SharePath source = isDir ? p.otherFile(target) : p.otherDir(target);
            renameInto(p, a, source == null ? target : source, target, isDir ? Errno.EISDIR : Errno.ENOTDIR);
        }
    },
    REMOVE_EXISTING(OpKind.REMOVE, "unlinkat of an existing entry", Needs.EXISTING_ENTRY) {
        void run(Probing p, Attempt a, SharePath target) throws IOException {
            // The wrong flag for its type, so the host refuses even if the gateway does not.
            boolean isDir = p.isDirectory(target);
            inParent(
                    p,
                    a,
                    target,
                    dir -> a.probe(
                            p.session().unlinkat(dir, name(target), isDir ? 0 : GuestSession.AT_REMOVEDIR),
                            isDir ? Errno.EISDIR : Errno.ENOTDIR));
        }
    },
    REMOVE_ABSENT(OpKind.REMOVE, "unlinkat of a name that does not exist", Needs.NEW_NAME) {
        void run(Probing p, Attempt a, SharePath target) throws IOException {
            inParent(p, a, target, dir -> a.probe(p.session().unlinkat(dir, name(target), 0), Errno.ENOENT));
        }
    },
    OPEN_WRONLY(OpKind.OPEN_WRITE, "lopen O_WRONLY", Needs.EXISTING_ANY) {
        void run(Probing p, Attempt a, SharePath target) throws IOException {
            open(p, a, target, GuestSession.O_WRONLY);
        }
    },
    OPEN_RDWR(OpKind.OPEN_WRITE, "lopen O_RDWR", Needs.EXISTING_ANY) {
        void run(Probing p, Attempt a, SharePath target) throws IOException {
            open(p, a, target, GuestSession.O_RDWR);
        }
    },
    OPEN_APPEND(OpKind.OPEN_WRITE, "lopen O_WRONLY|O_APPEND", Needs.EXISTING_ANY) {
        void run(Probing p, Attempt a, SharePath target) throws IOException {
            open(p, a, target, GuestSession.O_WRONLY | GuestSession.O_APPEND);
        }
    },
    OPEN_TRUNC(OpKind.OPEN_WRITE, "lopen O_TRUNC of a directory", Needs.EXISTING_DIR) {
        void run(Probing p, Attempt a, SharePath target) throws IOException {
            // A file's content would be gone; a directory cannot be truncated (EISDIR).
            int fid = p.walk(a, target);
            if (fid < 0) return;
            a.probe(p.session().lopen(fid, GuestSession.O_RDONLY | GuestSession.O_TRUNC), Errno.EISDIR);
            p.release(fid);
        }
    },
    SETATTR_NOTHING(OpKind.SETATTR, "tsetattr changing nothing", Needs.EXISTING_ANY) {
        void run(Probing p, Attempt a, SharePath target) throws IOException {
            withFid(
                    p,
                    a,
                    target,
                    fid -> a.probe(p.session().setattr(fid, new SetAttr(0, 0, 0, 0, 0, 0, 0, 0, 0), "no attributes")));
        }
    },
    SETATTR_SIZE(OpKind.SETATTR, "tsetattr size (to its size)", Needs.EXISTING_ANY) {
        void run(Probing p, Attempt a, SharePath target) throws IOException {
            // Linux stamps a truncate even to the same size: the same request sets the times back (the
            // gateway applies size before times, as QEMU does).
            setattrAsItIs(
                    p,
                    a,
                    target,
                    attr -> new SetAttr(
                            SetAttr.SETATTR_SIZE | TIMES,
                            0,
                            0,
                            0,
                            attr.size(),
                            attr.atimeSec(),
                            attr.atimeNsec(),
                            attr.mtimeSec(),
                            attr.mtimeNsec()),
                    attr -> "size " + attr.size() + ", times as they are",
                    Errno.EISDIR,
                    Errno.EINVAL);
        }
    },
    SETATTR_MODE(OpKind.SETATTR, "tsetattr mode (to its mode)", Needs.EXISTING_ANY) {
        void run(Probing p, Attempt a, SharePath target) throws IOException {
            setattrAsItIs(
                    p,
                    a,
                    target,
                    attr -> new SetAttr(SetAttr.SETATTR_MODE, attr.mode() & 0777, 0, 0, 0, 0, 0, 0, 0),
                    attr -> "mode " + Integer.toOctalString(attr.mode() & 0777));
        }
    },
    SETATTR_OWNER(OpKind.SETATTR, "tsetattr owner (to its owner)", Needs.EXISTING_ANY) {
        void run(Probing p, Attempt a, SharePath target) throws IOException {
            withAttr(p, a, target, (fid, attr) -> {
                // The ids shown, where they map back to the host ids the file has; else "unchanged" (-1).
                boolean exact = p.idsRoundTrip(attr);
                int uid = exact ? attr.uid() : -1;
                int gid = exact ? attr.gid() : -1;
                a.probe(p.session()
                        .setattr(
                                fid,
                                new SetAttr(SetAttr.SETATTR_UID | SetAttr.SETATTR_GID, 0, uid, gid, 0, 0, 0, 0, 0),
                                "owner " + uid + ":" + gid));
            });
        }
    },
    SETATTR_TIMES(OpKind.SETATTR, "tsetattr atime and mtime (to their times)", Needs.EXISTING_ANY) {
        void run(Probing p, Attempt a, SharePath target) throws IOException {
            setattrAsItIs(
                    p,
                    a,
                    target,
                    attr -> new SetAttr(
                            TIMES, 0, 0, 0, 0, attr.atimeSec(), attr.atimeNsec(), attr.mtimeSec(), attr.mtimeNsec()),
                    attr -> "times as they are");
        }
    },
    XATTR_SET(OpKind.XATTR_WRITE, "txattrcreate of a user attribute", Needs.EXISTING_ANY) {
        void run(Probing p, Attempt a, SharePath target) throws IOException {
            // Size 0 with nothing written: committing it removes an attribute that does not exist (ENODATA).
            withFid(p, a, target, fid -> a.probe(p.session().xattrcreate(fid, "user." + p.token(), 0)));
        }
    },
    XATTR_GET(OpKind.XATTR_READ, "txattrwalk (list of attributes)", Needs.EXISTING_ANY) {
        void run(Probing p, Attempt a, SharePath target) throws IOException {
            withFid(p, a, target, fid -> {
                Step step = a.probe(p.session().xattrwalk(fid, ""));
                p.release(step.newFid());
            });
        }
    },
    WALK_EXISTING(OpKind.WALK, "twalk to an existing entry", Needs.EXISTING_ENTRY) {
        void run(Probing p, Attempt a, SharePath target) throws IOException {
            WALK.run(p, a, target);
        }
    },
    WALK(OpKind.WALK, "twalk to the name", Needs.ANY_NAME) {
        void run(Probing p, Attempt a, SharePath target) throws IOException {
            int dir = p.walk(a, target.prefix(target.depth() - 1));
            if (dir < 0) return;
            Step step = a.probe(p.session().walk(dir, name(target)), Errno.ENOENT);
            p.release(dir, step.newFid());
        }
    },
    GETATTR(OpKind.GETATTR, "tgetattr", Needs.EXISTING_ANY) {
        void run(Probing p, Attempt a, SharePath target) throws IOException {
            withFid(p, a, target, fid -> a.probe(p.session().getattr(fid)));
        }
    },
    OPEN_READ(OpKind.OPEN_READ, "lopen O_RDONLY and tread", Needs.EXISTING_ANY) {
        void run(Probing p, Attempt a, SharePath target) throws IOException {
            withFid(p, a, target, fid -> {
                if (a.probe(p.session().lopen(fid, GuestSession.O_RDONLY)).ok()) {
                    a.probe(p.session().read(fid, 0, 1), Errno.EISDIR);
                }
            });
        }
    },
    READDIR(OpKind.READDIR, "treaddir", Needs.EXISTING_ANY) {
        void run(Probing p, Attempt a, SharePath target) throws IOException {
            // On a file the host answers ENOTDIR once the policy has let the request through.
            withFid(p, a, target, fid -> {
                if (a.setup(p.session().lopen(fid, GuestSession.O_RDONLY)).ok()) {
                    a.probe(p.session().readdir(fid, 0), Errno.ENOTDIR);
                }
            });
        }
    },
    STATFS(OpKind.STATFS, "tstatfs", Needs.EXISTING_ANY) {
        void run(Probing p, Attempt a, SharePath target) throws IOException {
            withFid(p, a, target, fid -> a.probe(p.session().statfs(fid)));
        }
    },
    LOCK(OpKind.LOCK, "tgetlock", Needs.EXISTING_ANY) {
        void run(Probing p, Attempt a, SharePath target) throws IOException {
            withFid(p, a, target, fid -> {
                if (a.setup(p.session().lopen(fid, GuestSession.O_RDONLY)).ok()) {
                    a.probe(p.session().getlock(fid, io.p9gate.gateway.proto.LockConstants.LOCK_TYPE_RDLCK));
                }
            });
        }
    },
    READLINK(OpKind.READLINK, "treadlink", Needs.EXISTING_ANY) {
        void run(Probing p, Attempt a, SharePath target) throws IOException {
            // On a file that is no symlink the host answers EINVAL once the policy has let it through.
            withFid(p, a, target, fid -> a.probe(p.session().readlink(fid), Errno.EINVAL));
        }
    };

    /** What a form probes: a name that need not exist, an existing entry (never the share root), ... */
    enum Needs {
        /** A name whose parent directory exists; the name itself should not (it is made, then removed). */
        NEW_NAME,
        /** Any name whose parent exists; whether it exists does not matter. */
        ANY_NAME,
        EXISTING_FILE,
        EXISTING_DIR,
        /** An existing entry other than the share root (it has a name in a parent). */
        EXISTING_ENTRY,
        /** Any existing entry, the root included. */
        EXISTING_ANY
    }

    /** Tsetattr bits that set atime and mtime to given values. */
    static final int TIMES =
            SetAttr.SETATTR_ATIME | SetAttr.SETATTR_MTIME | SetAttr.SETATTR_ATIME_SET | SetAttr.SETATTR_MTIME_SET;

    final OpKind op;
    final String label;
    final Needs needs;

    Form(OpKind op, String label, Needs needs) {
        this.op = op;
        this.label = label;
        this.needs = needs;
    }

    abstract void run(Probing p, Attempt a, SharePath target) throws IOException;

    /**
     * Whether the form makes a new entry (or moves the suite's own file) when the gateway lets it through:
     * only usable where the policy refuses it, or where the suite may remove (move back) what it made.
     */
    boolean makes() {
        return needs == Needs.NEW_NAME && this != REMOVE_ABSENT;
    }

    /** The forms of an operation kind, in the order a check prefers them (harmless constructions first). */
    static List<Form> of(OpKind op) {
        return Arrays.stream(values()).filter(f -> f.op == op).toList();
    }

    /** A short id for check names: {@code create-new}, {@code open-wronly}, ... */
    String slug() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    // ---- shared steps -------------------------------------------------------------------------

    @FunctionalInterface
    interface FidStep {
        void run(int fid) throws IOException;
    }

    @FunctionalInterface
    interface AttrStep {
        void run(int fid, Attr attr) throws IOException;
    }

    static String name(SharePath path) {
        return path.segments().getLast();
    }

    static void withFid(Probing p, Attempt a, SharePath target, FidStep step) throws IOException {
        int fid = p.walk(a, target);
        if (fid < 0) return;
        try {
            step.run(fid);
        } finally {
            p.release(fid);
        }
    }

    static void inParent(Probing p, Attempt a, SharePath target, FidStep step) throws IOException {
        withFid(p, a, target.prefix(target.depth() - 1), step);
    }

    /**
     * A Tsetattr that sets what the file already has (so it changes nothing), built from its attributes; the
     * errnos named are let through as the host's answer, not the gateway's.
     */
    static void setattrAsItIs(
            Probing p,
            Attempt a,
            SharePath target,
            Function<Attr, SetAttr> setting,
            Function<Attr, String> described,
            Errno... letThrough)
            throws IOException {
        withAttr(
                p,
                a,
                target,
                (fid, attr) ->
                        a.probe(p.session().setattr(fid, setting.apply(attr), described.apply(attr)), letThrough));
    }

    /** Reads the attributes first (a setup step), so that a change can be a change to what is already there. */
    static void withAttr(Probing p, Attempt a, SharePath target, AttrStep step) throws IOException {
        withFid(p, a, target, fid -> {
            Step attr = a.setup(p.session().getattr(fid));
            if (attr.ok()) {
                step.run(fid, ((RMessage.Rgetattr) attr.reply().message()).attr());
            }
        });
    }

    /** Opening a directory for writing is EISDIR once the gateway lets it through; a file opens and is clunked unwritten. */
    static void open(Probing p, Attempt a, SharePath target, int flags) throws IOException {
        withFid(p, a, target, fid -> a.probe(p.session().lopen(fid, flags), Errno.EISDIR));
    }

    @FunctionalInterface
    interface Maker {
        Step make(int dirFid) throws IOException;
    }

    /** Makes a new name in its directory as the probe; if the gateway lets it through, removes it again. */
    static void makeNew(Probing p, Attempt a, SharePath target, boolean directory, Maker maker) throws IOException {
        int dir = p.walk(a, target.prefix(target.depth() - 1));
        if (dir < 0) return;
        Step step = a.probe(maker.make(dir));
        p.session().release(dir); // after a Tlcreate, the fid is the new file's
        if (step.ok()) p.undoCreate(a, target, directory);
    }

    /** Tlink of {@code source} as {@code as}; null if a walk to either failed (the attempt knows). */
    static Step link(Probing p, Attempt a, SharePath source, SharePath as, Errno... letThrough) throws IOException {
        int src = p.walk(a, source);
        int dir = src < 0 ? -1 : p.walk(a, as.prefix(as.depth() - 1));
        Step step = dir < 0 ? null : a.probe(p.session().link(dir, src, name(as)), letThrough);
        p.release(src, dir);
        return step;
    }

    static Step renameInto(Probing p, Attempt a, SharePath from, SharePath to, Errno... letThrough) throws IOException {
        int oldDir = p.walk(a, from.prefix(from.depth() - 1));
        int newDir = oldDir < 0 ? -1 : p.walk(a, to.prefix(to.depth() - 1));
        Step step = null;
        if (newDir >= 0) {
            step = a.probe(p.session().renameat(oldDir, name(from), newDir, name(to)), letThrough);
        }
        p.release(oldDir, newDir);
        return step;
    }
}
