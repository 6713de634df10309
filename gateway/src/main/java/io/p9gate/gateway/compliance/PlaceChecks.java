package io.p9gate.gateway.compliance;

import io.p9gate.gateway.proto.DirEntry;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.LockConstants;
import io.p9gate.gateway.proto.RMessage;
import io.p9gate.gateway.proto.SetAttr;
import io.p9gate.policy.terms.OpKind;
import io.p9gate.policy.terms.SharePath;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;

/**
 * The suite's own place in a share: made first (its scratch directory, a file and a directory of its own),
 * used for the operations the policy allows there (each must succeed; R-POL-2), removed last. What the policy
 * refuses in the place (symlinks, say) must be refused, like anywhere else.
 */
final class PlaceChecks {
    static final byte[] CONTENT = "p9gate compliance probe\n".getBytes(StandardCharsets.US_ASCII);
    private static final String XATTR_VALUE = "p9gate";

    private final CheckLog log;
    private final GuestSession session;
    private final int root;
    private final String share;
    private final String idPrefix;

    PlaceChecks(CheckLog log, GuestSession session, int root, String share, String idPrefix) {
        this.log = log;
        this.session = session;
        this.root = root;
        this.share = share;
        this.idPrefix = idPrefix;
    }

    private Attempt attempt(String slug, String requirement, String title) {
        return new Attempt(log, session, idPrefix + "/" + slug, share, requirement, title);
    }

    private int walk(Attempt a, SharePath path) throws IOException {
        return a.setup(session.walkTo(root, path)).newFid();
    }

    /** Makes the place; empty if the gateway refuses what the policy allows there (those checks fail). */
    Optional<Probing.OwnPlace> prepare(Place place) throws IOException {
        if (place.scratch()) {
            Attempt a = attempt("mkdir-scratch", "R-POL-2", "mkdir of the suite's scratch directory " + place.dir());
            int parent = walk(a, place.dir().prefix(place.dir().depth() - 1));
            boolean made = false;
            if (parent >= 0) {
                Step mkdir = a.probe(session.mkdir(parent, Form.name(place.dir()), 0755));
                made = mkdir.ok();
                skipIfFull(a, mkdir, parent);
                session.release(parent);
            }
            a.finishIfOpen();
            if (!made) {
                return Optional.empty();
            }
        }
        SharePath file = place.path("src");
        Attempt a = attempt("create-file", "R-POL-2", "lcreate, twrite and tfsync of the suite's file " + file);
        int dir = walk(a, place.dir());
        boolean made = false;
        if (dir >= 0) {
            Step created = a.probe(session.lcreate(
                    dir, Form.name(file), GuestSession.O_RDWR | GuestSession.O_CREAT | GuestSession.O_EXCL, 0644));
            made = created.ok();
            Step written = made ? a.probe(session.write(dir, 0, CONTENT)) : created;
            if (made && written.ok()) {
                a.probe(session.fsync(dir));
            }
            skipIfFull(a, written, dir);
            session.release(dir);
        }
        a.finishIfOpen();
        if (!made) {
            return Optional.empty();
        }
        SharePath ownDir = null;
        if (session.oracle()
                .decide(share, OpKind.MKDIR, place.path("dir"), null, session.gid())
                .allowed()) {
            ownDir = place.path("dir");
            Attempt d = attempt("mkdir", "R-POL-2", "mkdir in the suite's place " + ownDir);
            int in = walk(d, place.dir());
            if (in >= 0) {
                if (!d.probe(session.mkdir(in, Form.name(ownDir), 0755)).ok()) {
                    ownDir = null;
                }
                session.release(in);
            }
            d.finishIfOpen();
        }
        return Optional.of(new Probing.OwnPlace(place, file, ownDir));
    }

    /** A share whose quota is already reached is not a refusal: the checks that need the place are skipped. */
    private void skipIfFull(Attempt a, Step step, int dir) throws IOException {
        QuotaRoom.skipIfFull(session, a, step, dir, "the checks that need the suite's place are skipped");
    }

    /** Each operation kind on the suite's own entries, as the policy says: success where it allows. */
    void allowedOps(Probing.OwnPlace own) throws IOException {
        SharePath file = own.file();
        readBack(file);
        Attempt a = attempt("getattr", "R-POL-2", "tgetattr of the suite's file " + file);
        Form.withFid(probing(own), a, file, fid -> {
            Step attr = a.probe(session.getattr(fid));
            if (attr.ok() && ((RMessage.Rgetattr) attr.reply().message()).attr().size() != CONTENT.length) {
                a.fail("size "
                        + ((RMessage.Rgetattr) attr.reply().message()).attr().size() + ", not " + CONTENT.length);
            }
        });
        a.finishIfOpen();
        rewrite(own, file);
        setattr(own, file);
        xattrs(own, file);
        locks(own, file);
        statfsAndReaddir(own);
        makeAndRemove(own, "symlink", OpKind.SYMLINK, (dir, name) -> session.symlink(dir, name, Form.name(file)));
        readlink(own);
        makeAndRemove(own, "link", OpKind.LINK, (dir, name) -> {
            Step target = session.walkTo(root, file);
            if (!target.ok()) {
                return target;
            }
            Step linked = session.link(dir, target.newFid(), name);
            session.release(target.newFid());
            return linked;
        });
        makeAndRemove(own, "mknod", OpKind.MKNOD, session::mkfifo);
        deviceOverFile(own, file);
        renameAndBack(own, file);
    }

    private Probing probing(Probing.OwnPlace own) {
        return new Probing(
                session,
                root,
                share,
                ShareView.empty(),
                Optional.of(own),
                own.place().token(),
                path -> false,
                new HashSet<>());
    }

    private void readBack(SharePath file) throws IOException {
        Attempt a = attempt("read", "R-POL-2", "lopen O_RDONLY and tread of the suite's file " + file);
        int fid = walk(a, file);
        if (fid >= 0) {
            if (a.probe(session.lopen(fid, GuestSession.O_RDONLY)).ok()) {
                Step read = a.probe(session.read(fid, 0, CONTENT.length + 64));
                if (read.ok() && !Arrays.equals(read.reply().data(), CONTENT)) {
                    a.fail("read back " + read.reply().data().length + " bytes that differ from what was written");
                }
            }
            session.release(fid);
        }
        a.finishIfOpen();
    }

    private void rewrite(Probing.OwnPlace own, SharePath file) throws IOException {
        Attempt a = attempt("write", "R-POL-2", "lopen O_RDWR, twrite and tfsync of the suite's file " + file);
        Form.withFid(probing(own), a, file, fid -> {
            if (a.probe(session.lopen(fid, GuestSession.O_RDWR)).ok()
                    && a.probe(session.write(fid, 0, CONTENT)).ok()) {
                a.probe(session.fsync(fid));
            }
        });
        a.finishIfOpen();
    }

    private void setattr(Probing.OwnPlace own, SharePath file) throws IOException {
        Attempt a = attempt("setattr", "R-POL-2", "tsetattr mode, size and times of the suite's file " + file);
        Form.withFid(probing(own), a, file, fid -> {
            if (a.probe(session.setattr(fid, new SetAttr(SetAttr.SETATTR_MODE, 0640, 0, 0, 0, 0, 0, 0, 0), "mode 640"))
                            .ok()
                    && a.probe(session.setattr(
                                    fid,
                                    new SetAttr(SetAttr.SETATTR_SIZE, 0, 0, 0, CONTENT.length, 0, 0, 0, 0),
                                    "size " + CONTENT.length))
                            .ok()) {
                a.probe(session.setattr(
                        fid,
                        new SetAttr(SetAttr.SETATTR_ATIME | SetAttr.SETATTR_MTIME, 0, 0, 0, 0, 0, 0, 0, 0),
                        "times now"));
            }
        });
        a.finishIfOpen();
    }

    private void xattrs(Probing.OwnPlace own, SharePath file) throws IOException {
        String name = "user." + own.place().token();
        byte[] value = XATTR_VALUE.getBytes(StandardCharsets.US_ASCII);
        Attempt set = attempt("xattr-set", "R-POL-2", "txattrcreate, twrite and tclunk of " + name + " on " + file);
        Step walked = set.setup(session.walkTo(root, file));
        if (walked.ok()) {
            int fid = walked.newFid();
            if (set.probe(session.xattrcreate(fid, name, value.length)).ok()) {
                set.probe(session.write(fid, 0, value));
                set.probe(session.clunk(fid)); // the clunk sets the value
            } else {
                session.release(fid);
            }
        }
        set.finishIfOpen();
        Attempt get = attempt("xattr-get", "R-POL-2", "txattrwalk and tread of " + name + " on " + file);
        Form.withFid(probing(own), get, file, fid -> {
            Step walk = get.probe(
                    session.xattrwalk(fid, name),
                    io.p9gate.gateway.proto.Errno.ENODATA); // absent if the set was (rightly) refused
            if (walk.ok()) {
                Step read = get.probe(session.read(walk.newFid(), 0, 64));
                session.release(walk.newFid());
                if (read.ok() && !Arrays.equals(read.reply().data(), value)) {
                    get.fail("read back a value that differs from what was set");
                }
            }
        });
        get.finishIfOpen();
    }

    private void locks(Probing.OwnPlace own, SharePath file) throws IOException {
        Attempt a = attempt("lock", "R-POL-2", "tlock, tgetlock and unlock on the suite's file " + file);
        Form.withFid(probing(own), a, file, fid -> {
            if (a.setup(session.lopen(fid, GuestSession.O_RDWR)).ok()) {
                Step locked = a.probe(session.lock(fid, LockConstants.LOCK_TYPE_WRLCK));
                if (locked.ok() && ((RMessage.Rlock) locked.reply().message()).status() != LockConstants.LOCK_SUCCESS) {
                    a.fail("Rlock status " + ((RMessage.Rlock) locked.reply().message()).status());
                    return;
                }
                a.probe(session.getlock(fid, LockConstants.LOCK_TYPE_WRLCK));
                a.probe(session.lock(fid, LockConstants.LOCK_TYPE_UNLCK));
            }
        });
        a.finishIfOpen();
    }

    private void statfsAndReaddir(Probing.OwnPlace own) throws IOException {
        SharePath dir = own.place().dir();
        Attempt a = attempt("statfs", "R-POL-2", "tstatfs of " + dir);
        Form.withFid(probing(own), a, dir, fid -> a.probe(session.statfs(fid)));
        a.finishIfOpen();
        Attempt r = attempt("readdir", "R-POL-2", "treaddir of " + dir + " lists the suite's file");
        Form.withFid(probing(own), r, dir, fid -> {
            if (!r.setup(session.lopen(fid, GuestSession.O_RDONLY | GuestSession.O_DIRECTORY))
                    .ok()) {
                return;
            }
            String wanted = Form.name(own.file());
            long offset = 0;
            boolean seen = false;
            while (!seen) {
                Step page = r.probe(session.readdir(fid, offset));
                var got = page.ok() ? ((RMessage.Rreaddir) page.reply().message()).entries() : List.<DirEntry>of();
                if (got.isEmpty()) {
                    break;
                }
                seen = got.stream().anyMatch(e -> e.name().equals(wanted));
                offset = got.getLast().offset();
            }
            if (!seen && session.oracle().decide(share, OpKind.READDIR, dir).allowed()) {
                r.fail("the listing does not show " + wanted);
            }
        });
        r.finishIfOpen();
    }

    @FunctionalInterface
    private interface Maker {
        Step make(int dirFid, String name) throws IOException;
    }

    /** Makes one entry of the kind in the place, then removes it (REMOVE is a probe too). */
    private void makeAndRemove(Probing.OwnPlace own, String label, OpKind op, Maker maker) throws IOException {
        SharePath made = own.place().path(label);
        Attempt a = attempt(label, "R-POL-2", op + ": " + label + " " + made + ", then tunlinkat");
        Form.withFid(probing(own), a, own.place().dir(), dir -> {
            if (a.probe(maker.make(dir, Form.name(made))).ok()) {
                a.probe(session.unlinkat(dir, Form.name(made), 0));
            }
        });
        a.finishIfOpen();
    }

    private void readlink(Probing.OwnPlace own) throws IOException {
        SharePath link = own.place().path("readlink");
        if (!session.oracle()
                .decide(share, OpKind.SYMLINK, link, null, session.gid())
                .allowed()) {
            return; // no symlink can be made here; the symlink check shows the refusal
        }
        Attempt a = attempt("readlink", "R-POL-2", "treadlink of a symlink the suite made, " + link);
        Form.withFid(probing(own), a, own.place().dir(), dir -> {
            if (a.setup(session.symlink(dir, Form.name(link), "target-text")).ok()) {
                Step walked = a.setup(session.walk(dir, Form.name(link)));
                if (walked.ok()) {
                    Step read = a.probe(session.readlink(walked.newFid()));
                    session.release(walked.newFid());
                    if (read.ok()
                            && !"target-text"
                                    .equals(((RMessage.Rreadlink) read.reply().message()).target())) {
                        a.fail("treadlink answered another target");
                    }
                }
                session.unlinkat(dir, Form.name(link), 0);
            }
        });
        a.finishIfOpen();
    }

    /**
     * A character device over the suite's own file (R-CONF-2): {@code devices: refuse} answers EPERM; a gateway that
     * makes device nodes answers EEXIST there and makes none. A {@code mapped} share is not probed: telling a
     * mapped entry from a device node needs a new entry, and a device node in a live share is what must never be.
     */
    private void deviceOverFile(Probing.OwnPlace own, SharePath file) throws IOException {
        Attempt a =
                attempt("mknod-device", "R-CONF-2", "mknod of a character device (1,3) over the suite's file " + file);
        Expected expected = session.oracle().device(share, file, session.gid());
        if (expected.allowed()) {
            a.skip("the share's devices: is mapped (the suite makes no device entry in a live share)");
            return;
        }
        Form.withFid(
                probing(own),
                a,
                own.place().dir(),
                dir -> a.probe(session.mkchardev(dir, Form.name(file)), Errno.EEXIST));
        a.finishIfOpen();
    }

    private void renameAndBack(Probing.OwnPlace own, SharePath file) throws IOException {
        SharePath moved = own.place().path("moved");
        Attempt a = attempt("rename", "R-POL-2", "trenameat of the suite's file to " + moved + " and back");
        Form.withFid(probing(own), a, own.place().dir(), dir -> {
            if (a.probe(session.renameat(dir, Form.name(file), dir, Form.name(moved)))
                    .ok()) {
                a.probe(session.renameat(dir, Form.name(moved), dir, Form.name(file)));
            }
        });
        a.finishIfOpen();
    }
}
